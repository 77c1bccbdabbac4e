import { unsupportedTaskFeature } from './unsupported-features';

describe('unsupportedTaskFeature', () => {
  const withCredentials = {
    containerDefinitions: [
      { name: 'app', image: 'localhost:5000/app:1', repositoryCredentials: { credentialsParameter: 'reg' } },
    ],
  };

  it('refuses repositoryCredentials when the runtime resolves no secrets, naming the secret', () => {
    expect(unsupportedTaskFeature(withCredentials, undefined, false)).toBe(
      'ResourceInitializationError: unable to pull secrets or registry auth: container app pulls its image with ' +
        'the credentials in reg, and this runtime resolves no secrets',
    );
  });

  it('lets them through when it does', () => {
    expect(unsupportedTaskFeature(withCredentials, undefined, true)).toBeUndefined();
  });
});
