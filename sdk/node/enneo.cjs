// The reference platform's Node.js SDK surface (ApiEnneo, Api, Setting, Input, Helpers, Interaction, …) as a CommonJS
// module (`require(process.env.SDK)` in a CommonJS script), on top of the Outrigger channel (outrigger.mjs).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

let core;
/** Our ESM SDK, loaded on the first platform call (the channel lives there). */
const sdk = () => (core ??= import(pathToFileURL(path.join(__dirname, 'outrigger.mjs')).href));
const call = async (op, args) => (await sdk())._channel().call(op, args);

function checkAuthorizeAs(authorizeAs) {
  // Both act as the execution: its workspace token (there is no signed-in user behind an execution here).
  if (authorizeAs !== 'user' && authorizeAs !== 'serviceWorker') throw new TypeError(`authorizeAs must be one of user, serviceWorker (got ${JSON.stringify(authorizeAs)})`);
}

let inputCache;
/** The input: the JSON document on stdin, read once. */
function loadInputData() {
  if (inputCache === undefined) {
    const text = fs.readFileSync(0, 'utf8');
    inputCache = text.trim() ? JSON.parse(text) : {};
  }
  return inputCache;
}

const request = (method, endpoint, params, body, authorizeAs = 'user') => {
  checkAuthorizeAs(authorizeAs);
  return call('reference.request', { method, path: endpoint, authorizeAs, ...(params ? { params } : {}), ...(body !== undefined ? { body } : {}) });
};

/** The platform API: reference paths (/api/mind/ticket/{id}, …) mapped onto Outrigger's API by the host. */
const ApiEnneo = {
  get: (endpoint, params = {}, authorizeAs = 'user') => request('GET', endpoint, params, undefined, authorizeAs),
  post: (endpoint, body = {}, authorizeAs = 'user') => request('POST', endpoint, null, body, authorizeAs),
  put: (endpoint, body = {}, authorizeAs = 'user') => request('PUT', endpoint, null, body, authorizeAs),
  patch: (endpoint, body = {}, authorizeAs = 'user') => request('PATCH', endpoint, null, body, authorizeAs),
  delete: (endpoint, authorizeAs = 'user') => request('DELETE', endpoint, null, undefined, authorizeAs),
  getContract: (contractId, authorizeAs = 'user') => ApiEnneo.get(`/api/mind/contract/${encodeURIComponent(contractId)}`, {}, authorizeAs),
  getTicket: (ticketId, authorizeAs = 'user') => ApiEnneo.get(`/api/mind/ticket/${encodeURIComponent(ticketId)}`, {}, authorizeAs),
  /** Runs a UDF (ctx.udf) and resolves with its output; its failure rejects. */
  async executeUdf(name, params = {}, authorizeAs = 'serviceWorker') {
    checkAuthorizeAs(authorizeAs);
    return call('udf', { name, input: params });
  },
  /** A secret's value, or null when it does not exist (as there). */
  async getSecret(key) {
    try {
      return await call('secret', { name: key });
    } catch (e) {
      if (e && e.code === 'NOT_FOUND') return null;
      throw e;
    }
  },
  async getFileFromStorage() {
    throw new Error('getFileFromStorage is not supported: Outrigger has no file storage (keep small JSON in Setting/ctx.storage)');
  },
};

/** Plain HTTP through the executor's egress allow-list; headers as `'Name: value'` strings or an object. */
const Api = {
  async call(method, url, headers = [], params = false, timeout = 30) {
    const text = await Api.call_raw(method, url, headers, params, timeout);
    return text === '' ? null : JSON.parse(text);
  },
  async call_raw(method, url, headers = [], params = false, timeout = 30) {
    const m = String(method).toUpperCase();
    const base = process.env.ENNEO_API_URL;
    const hasParams = params !== false && params !== null && params !== undefined;
    if (base && url.startsWith(base + '/')) {
      // The platform's own API: over the private channel (the sandbox has no network to it).
      const q = m === 'GET' || m === 'DELETE';
      const r = await call('reference.request', { method: m, path: url.slice(base.length), ...(hasParams ? { [q ? 'params' : 'body']: params } : {}) });
      return JSON.stringify(r);
    }
    const h = {};
    for (const [k, v] of Array.isArray(headers) ? headers.map((line) => [String(line).split(':')[0], String(line).split(':').slice(1).join(':')]) : Object.entries(headers)) h[k.trim()] = String(v).trim();
    let target = url;
    let body;
    if (hasParams) {
      if (m === 'GET' || m === 'DELETE') target += (url.includes('?') ? '&' : '?') + (typeof params === 'string' ? params : new URLSearchParams(params).toString());
      else {
        body = typeof params === 'string' ? params : JSON.stringify(params);
        if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
      }
    }
    const { execution } = await sdk();
    const left = execution.remainingMs ?? Infinity;
    const res = await fetch(target, { method: m, headers: h, body, signal: AbortSignal.timeout(Math.max(1, Math.min(timeout * 1000, left))) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${m} ${url} answered ${res.status}: ${text.slice(0, 500)}`);
    return text;
  },
};

/** Persistent settings (the reference "storage object" of UDFs): Outrigger storage objects under the same name. */
const Setting = {
  get: (name) => call('storage.get', { key: name }),
  set: async (name, value) => { await call('storage.set', { key: name, value }); },
};
const AppStorage = {
  get: (key) => call('storage.get', { key: `app:${key}` }),
  set: async (key, value) => { await call('storage.set', { key: `app:${key}`, value }); },
  delete: async (key) => { await call('storage.delete', { key: `app:${key}` }); },
};
const AppInfo = {
  get() {
    const e = JSON.parse(process.env.OUTRIGGER_EXECUTION || '{}');
    return { id: e.executorName ?? null, name: e.executorName ?? null, version: e.version ?? null, executionId: e.id ?? null };
  },
};
const Input = { load: loadInputData };

const Helpers = require('./_enneo_helpers.cjs');

class IntentInfo {
  constructor({ type = 'neutral', message = '', extraInfo } = {}) {
    Object.assign(this, { type, message }, extraInfo !== undefined ? { extraInfo } : {});
  }
}
class IntentOption {
  constructor({ type = '', name = '', icon, recommended = false, order, handler } = {}) {
    Object.assign(this, { type, name, recommended }, icon !== undefined ? { icon } : {}, order !== undefined ? { order } : {}, handler !== undefined ? { handler } : {});
  }
}
class Interaction {
  constructor(input, data = {}) {
    this.infos = [];
    this.options = [];
    this.data = data;
  }
}

module.exports = {
  ApiEnneo, Api, Setting, AppStorage, AppInfo, Input, Helpers, Interaction, IntentInfo, IntentOption, loadInputData,
  /** Our own script calls: sdk.output(value), sdk.log(message, level). */
  output: async (value) => (await sdk()).output(value),
  log: async (message, level) => (await sdk()).log(message, level),
};
