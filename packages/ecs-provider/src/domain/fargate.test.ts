import { isFargateCombination, parseTaskCpu, parseTaskMemory } from './fargate';

describe('Fargate task sizes', () => {
  it.each([
    ['256', 256],
    ['1024', 1024],
    ['1 vCPU', 1024],
    ['.25 vcpu', 256],
    ['0.5 vCPU', 512],
    ['16 vCPU', 16384],
  ])('reads cpu %s as %d units', (text, units) => expect(parseTaskCpu(text)).toBe(units));

  it.each(['lots', '1.3 vCPU', '', '-1'])('refuses cpu %p', (text) => expect(parseTaskCpu(text)).toBeUndefined());

  it.each([
    ['512', 512],
    ['2 GB', 2048],
    ['0.5GB', 512],
  ])('reads memory %s as %d MiB', (text, mib) => expect(parseTaskMemory(text)).toBe(mib));

  it('knows the valid combinations at their edges', () => {
    expect(isFargateCombination(256, 512)).toBe(true);
    expect(isFargateCombination(256, 2048)).toBe(true);
    expect(isFargateCombination(256, 3072)).toBe(false);
    expect(isFargateCombination(512, 4096)).toBe(true);
    expect(isFargateCombination(4096, 30720)).toBe(true);
    expect(isFargateCombination(8192, 16384 + 1024)).toBe(false);
    expect(isFargateCombination(8192, 16384 + 4096)).toBe(true);
    expect(isFargateCombination(16384, 122880)).toBe(true);
    expect(isFargateCombination(300, 512)).toBe(false);
  });
});
