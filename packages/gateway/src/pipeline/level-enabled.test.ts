import { Writable } from 'node:stream';
import winston from 'winston';
import { isLevelEnabled } from './level-enabled';

const sink = () => new winston.transports.Stream({ stream: new Writable({ write: (_c, _e, done) => done() }) });

describe('isLevelEnabled', () => {
  const names = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];
  const asked = [...names, 'unknown', 'constructor', 'toString'];

  it("answers as winston's own for every logger level, transport level and number of transports", () => {
    let compared = 0;
    for (const loggerLevel of [...names, 'unknown']) {
      for (const transportLevels of [
        [],
        ...[undefined, ...names, 'unknown'].map((l) => [l]),
        [undefined, 'error'],
        ['error', 'debug'],
        ['warn', undefined, 'silly'],
      ]) {
        const logger = winston.createLogger({ level: loggerLevel, transports: [] });
        for (const l of transportLevels) {
          const transport = sink();
          if (l !== undefined) transport.level = l;
          logger.add(transport);
        }
        for (const level of asked) {
          expect([loggerLevel, transportLevels, level, isLevelEnabled(logger, level)]).toEqual([
            loggerLevel,
            transportLevels,
            level,
            logger.isLevelEnabled(level),
          ]);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('follows changes: the logger level, a transport level, transports added and removed', () => {
    const logger = winston.createLogger({ level: 'warn', transports: [] });
    const transport = sink();
    logger.add(transport);
    expect(isLevelEnabled(logger, 'info')).toBe(false);
    logger.level = 'info';
    expect(isLevelEnabled(logger, 'info')).toBe(true);
    transport.level = 'error';
    expect(isLevelEnabled(logger, 'info')).toBe(false);
    const second = sink();
    second.level = 'debug';
    logger.add(second);
    expect(isLevelEnabled(logger, 'debug')).toBe(true);
    logger.remove(second);
    expect(isLevelEnabled(logger, 'debug')).toBe(false);
    logger.remove(transport);
    expect(isLevelEnabled(logger, 'info')).toBe(true);
    expect(isLevelEnabled(logger, 'debug')).toBe(false);
  });
});
