import http from 'node:http';
import net from 'node:net';
import type { HealthCheckSettings } from '../domain/records';
import { HEALTH, codeMismatch, type TargetHealthDescription } from '../domain/target-health';

/** Where a check goes; the settings are read at each check, so ModifyTargetGroup applies at the next one. */
export interface CheckTarget {
  readonly host: string;
  readonly trafficPort: number;
  settings(): HealthCheckSettings | undefined;
}

/** `200`, `200,202`, `200-299` → whether a status code matches. */
export function matchesCodes(matcher: string, code: number): boolean {
  return matcher.split(',').some((part) => {
    const [low, high] = part.split('-').map(Number);
    return high === undefined ? code === low : code >= low! && code <= high;
  });
}

/**
 * One target's health checks, for real: a check at once, then one every interval; `healthyThreshold`
 * consecutive successes make it healthy, `unhealthyThreshold` consecutive failures unhealthy (a new target is
 * `initial` until either), as ELBv2 counts them. HTTP checks GET the path and match the codes; TCP checks
 * open a connection.
 */
export class HealthChecker {
  private state: 'initial' | 'healthy' | 'unhealthy' = 'initial';
  private successes = 0;
  private failures = 0;
  private last: TargetHealthDescription = HEALTH.registering;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly target: CheckTarget,
    private readonly onChange: () => void = () => {},
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  get healthy(): boolean {
    return this.state === 'healthy';
  }

  get health(): TargetHealthDescription {
    if (this.state === 'healthy') return HEALTH.healthy;
    if (this.state === 'initial')
      return this.successes + this.failures === 0 ? HEALTH.registering : HEALTH.initialChecks;
    return this.last;
  }

  private async run(): Promise<void> {
    const settings = this.target.settings();
    if (this.stopped || !settings) return;
    const result = settings.enabled ? await check(this.target, settings) : HEALTH.healthy;
    if (this.stopped) return;
    const before = this.state;
    if (result.State === 'healthy') {
      this.successes++;
      this.failures = 0;
      if (this.successes >= settings.healthyThreshold) this.state = 'healthy';
    } else {
      this.failures++;
      this.successes = 0;
      this.last = result;
      if (this.failures >= settings.unhealthyThreshold) this.state = 'unhealthy';
    }
    if (this.state !== before) this.onChange();
    this.timer = setTimeout(() => void this.run(), settings.intervalSeconds * 1000);
    this.timer.unref();
  }
}

function check(target: CheckTarget, settings: HealthCheckSettings): Promise<TargetHealthDescription> {
  const port = settings.port === 'traffic-port' ? target.trafficPort : Number(settings.port);
  const timeout = settings.timeoutSeconds * 1000;
  if (settings.protocol === 'HTTP' || settings.protocol === 'HTTPS') {
    return httpCheck(target.host, port, settings.path ?? '/', settings.httpCode ?? '200', timeout);
  }
  return tcpCheck(target.host, port, timeout);
}

function httpCheck(host: string, port: number, path: string, codes: string, timeout: number) {
  return new Promise<TargetHealthDescription>((resolve) => {
    const request = http.get(
      { host, port, path, timeout, agent: false, headers: { 'user-agent': 'ELB-HealthChecker/2.0' } },
      (response) => {
        response.resume();
        const code = response.statusCode ?? 0;
        resolve(matchesCodes(codes, code) ? HEALTH.healthy : codeMismatch(code));
      },
    );
    request.on('timeout', () => {
      request.destroy();
      resolve(HEALTH.timeout);
    });
    request.on('error', () => resolve(HEALTH.failed));
  });
}

function tcpCheck(host: string, port: number, timeout: number) {
  return new Promise<TargetHealthDescription>((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: TargetHealthDescription) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeout, () => done(HEALTH.timeout));
    socket.once('connect', () => done(HEALTH.healthy));
    socket.once('error', () => done(HEALTH.failed));
  });
}
