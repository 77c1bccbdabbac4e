import type { VersionRecord } from './store';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
/** AWS keeps about 100 versions; beyond that it drops the oldest ones that carry no label. */
export const MAX_VERSIONS = 100;

type Versions = Readonly<Record<string, VersionRecord>>;

/**
 * Attaches `stage` to version `to`, taking it off the version that had it (a label is on one version at
 * most). Moving AWSCURRENT hands AWSPREVIOUS to the version that was current, as AWS does.
 */
export function moveStage(versions: Versions, stage: string, to: string): Versions {
  let from: string | undefined;
  let out: Record<string, VersionRecord> = {};
  for (const [id, version] of Object.entries(versions)) {
    if (id !== to && version.stages.includes(stage)) {
      from = id;
      out[id] = { ...version, stages: version.stages.filter((s) => s !== stage) };
    } else if (id === to && !version.stages.includes(stage)) {
      out[id] = { ...version, stages: [...version.stages, stage] };
    } else {
      out[id] = version;
    }
  }
  if (stage === AWSCURRENT && from !== undefined) out = { ...moveStage(out, AWSPREVIOUS, from) };
  return out;
}

export function removeStage(versions: Versions, stage: string, from: string): Versions {
  const version = versions[from];
  if (!version) return versions;
  return { ...versions, [from]: { ...version, stages: version.stages.filter((s) => s !== stage) } };
}

/** The version holding `stage`, if any. */
export function versionWithStage(versions: Versions, stage: string): string | undefined {
  return Object.keys(versions).find((id) => versions[id]!.stages.includes(stage));
}

/** Drops the oldest unlabelled versions beyond MAX_VERSIONS. */
export function pruneVersions(versions: Versions): Versions {
  const ids = Object.keys(versions);
  let excess = ids.length - MAX_VERSIONS;
  if (excess <= 0) return versions;
  const out: Record<string, VersionRecord> = {};
  for (const id of ids) {
    if (excess > 0 && versions[id]!.stages.length === 0) {
      excess--;
      continue;
    }
    out[id] = versions[id]!;
  }
  return out;
}

/** Labels by version id, of the versions that have any (the others are deprecated and not listed). */
export function versionsToStages(versions: Versions): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [id, version] of Object.entries(versions)) if (version.stages.length > 0) out[id] = [...version.stages];
  return out;
}
