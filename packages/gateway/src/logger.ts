import winston from 'winston';

/** Logfmt-like single lines on stderr, so stdout stays free for tools that wrap the gateway. */
export function createLogger(level: string): winston.Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.printf(({ timestamp, level: lvl, message, ...meta }) => {
        const fields = Object.entries(meta)
          .map(([key, value]) => `${key}=${typeof value === 'string' ? quote(value) : JSON.stringify(value)}`)
          .join(' ');
        return `${timestamp} ${lvl} ${message}${fields ? ' ' + fields : ''}`;
      }),
    ),
    transports: [new winston.transports.Console({ stderrLevels: Object.keys(winston.config.npm.levels) })],
  });
}

function quote(value: string): string {
  return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
}
