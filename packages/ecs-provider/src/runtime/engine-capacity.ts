import type { ContainerBackend } from '@localcloud/docker-backend';
import type { EngineCapacity, EngineCapacitySource } from '../domain/container-instances';

/** The engine's CPUs and memory as last seen (container instances' resources). */
export class EngineCapacityProbe implements EngineCapacitySource {
  private capacity?: EngineCapacity;

  constructor(private readonly backend: Pick<ContainerBackend, 'engineInfo'>) {}

  current(): EngineCapacity | undefined {
    return this.capacity;
  }

  async refresh(): Promise<EngineCapacity | undefined> {
    try {
      this.capacity = await this.backend.engineInfo();
    } catch {
      // Unreachable: the last capacity seen stands (the health endpoint reports the engine).
    }
    return this.capacity;
  }
}

/** Whether the engine answers: at once while the supervisor follows it, else one ping. */
export async function engineAnswers(
  supervisor: { readonly available: boolean },
  backend: Pick<ContainerBackend, 'ping'>,
): Promise<boolean> {
  if (supervisor.available) return true;
  try {
    await backend.ping();
    return true;
  } catch {
    return false;
  }
}
