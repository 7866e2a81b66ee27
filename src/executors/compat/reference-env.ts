// What the reference platform's code finds in its environment here, shared by the SDK host and the docs.

/**
 * `ENNEO_API_URL` in script mode. The sandbox has no network to reach our server; the compatibility SDK sends
 * requests to this base (ApiEnneo, and `Api::call` with a URL under it) over the private SDK channel instead.
 */
export const REFERENCE_API_URL = 'http://outrigger.channel';
