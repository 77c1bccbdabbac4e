/**
 * Task-level CPU and memory as ECS reads them, and the CPU/memory combinations Fargate offers
 * (AWS: "Task CPU and memory", Amazon ECS Developer Guide).
 */

/** Memory (MiB) Fargate accepts for each task CPU value (CPU units, 1024 = 1 vCPU). */
export const FARGATE_COMBINATIONS: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
]);

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

/**
 * Reads a task `cpu` value: CPU units (`"1024"`) or vCPUs (`"1 vCPU"`, `".25 vcpu"`). Undefined when it
 * is neither.
 */
export function parseTaskCpu(value: string): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const vcpu = /^(\d*\.?\d+)\s*vcpu$/i.exec(text);
  if (vcpu) {
    const units = Number(vcpu[1]) * 1024;
    return Number.isInteger(units) ? units : undefined;
  }
  return undefined;
}

/** Reads a task `memory` value: MiB (`"2048"`) or GB (`"2 GB"`, `"0.5GB"`). Undefined when it is neither. */
export function parseTaskMemory(value: string): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const gb = /^(\d*\.?\d+)\s*gb$/i.exec(text);
  if (gb) {
    const mib = Number(gb[1]) * 1024;
    return Number.isInteger(mib) ? mib : undefined;
  }
  return undefined;
}

export function isFargateCombination(cpu: number, memory: number): boolean {
  return FARGATE_COMBINATIONS.get(cpu)?.includes(memory) ?? false;
}
