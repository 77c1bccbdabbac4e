import type {
  DeleteAccountSettingRequest,
  DeleteAccountSettingResponse,
  ListAccountSettingsRequest,
  ListAccountSettingsResponse,
  PutAccountSettingDefaultRequest,
  PutAccountSettingDefaultResponse,
  PutAccountSettingRequest,
  PutAccountSettingResponse,
  Setting,
  SettingName,
} from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { rootPrincipalArn, type Scope } from '../arn';
import { InvalidParameterException } from '../errors';
import {
  ACCOUNT_SETTING_DEFAULTS,
  SETTING_NAMES,
  isRootOnlySetting,
  validatePrincipalArn,
  validateSettingValue,
} from '../domain/account-settings';
import { paginate } from '../pagination';
import type { AccountSettingRecord } from '../store/records';
import type { EcsStore } from '../store/ecs-store';

const settingKey = (principalArn: string, name: string) => `${principalArn} ${name}`;

/**
 * The value of a setting for a principal: its own explicit setting, else the account default (the root
 * user's), else ECS's default.
 */
export function effectiveSettingValue(
  store: EcsStore,
  scope: Scope,
  name: SettingName,
  principalArn = rootPrincipalArn(scope),
): string {
  return effectiveSetting(store, scope, name, principalArn).value!;
}

function effectiveSetting(store: EcsStore, scope: Scope, name: SettingName, principalArn: string): Setting {
  const root = rootPrincipalArn(scope);
  const explicit =
    store.accountSettings.get(settingKey(principalArn, name)) ?? store.accountSettings.get(settingKey(root, name));
  if (explicit) return { name, value: explicit.value, principalArn, type: 'user' };
  return { name, value: ACCOUNT_SETTING_DEFAULTS[name], principalArn, type: 'aws_managed' };
}

function putSetting(store: EcsStore, scope: Scope, name: SettingName, value: string, principalArn: string): Setting {
  validatePrincipalArn(principalArn, scope.accountId);
  validateSettingValue(name, value);
  if (isRootOnlySetting(name) && principalArn !== rootPrincipalArn(scope)) {
    throw new InvalidParameterException(`You must use the root user when you set the account setting ${name}.`);
  }
  const record: AccountSettingRecord = { name, value, principalArn, type: 'user' };
  store.accountSettings.put(settingKey(principalArn, name), record);
  return { ...record };
}

export function putAccountSetting(
  input: PutAccountSettingRequest,
  { store, scope }: EcsScope,
): PutAccountSettingResponse {
  const principalArn = input.principalArn ?? rootPrincipalArn(scope);
  return { setting: putSetting(store, scope, input.name!, input.value!, principalArn) };
}

export function putAccountSettingDefault(
  input: PutAccountSettingDefaultRequest,
  { store, scope }: EcsScope,
): PutAccountSettingDefaultResponse {
  return { setting: putSetting(store, scope, input.name!, input.value!, rootPrincipalArn(scope)) };
}

export function deleteAccountSetting(
  input: DeleteAccountSettingRequest,
  { store, scope }: EcsScope,
): DeleteAccountSettingResponse {
  const principalArn = input.principalArn ?? rootPrincipalArn(scope);
  validatePrincipalArn(principalArn, scope.accountId);
  const key = settingKey(principalArn, input.name!);
  const existing = store.accountSettings.get(key);
  if (!existing) return { setting: effectiveSetting(store, scope, input.name!, principalArn) };
  store.accountSettings.delete(key);
  return { setting: { ...existing } };
}

export function listAccountSettings(
  input: ListAccountSettingsRequest,
  { store, scope }: EcsScope,
): ListAccountSettingsResponse {
  const principalArn = input.principalArn ?? rootPrincipalArn(scope);
  validatePrincipalArn(principalArn, scope.accountId);
  const names = input.name ? [input.name] : SETTING_NAMES;
  const settings: Setting[] = [];
  for (const name of [...names].sort()) {
    const setting = input.effectiveSettings
      ? effectiveSetting(store, scope, name, principalArn)
      : store.accountSettings.get(settingKey(principalArn, name));
    if (!setting || (input.value !== undefined && setting.value !== input.value)) continue;
    settings.push({ name: setting.name, value: setting.value, principalArn: setting.principalArn, type: setting.type });
  }
  const page = paginate('ListAccountSettings', settings, (s) => s.name!, input, { defaultSize: 10, maxSize: 10 });
  return { settings: page.items, nextToken: page.nextToken };
}
