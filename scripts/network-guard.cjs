// Preloaded with `node --require` into processes that must stay offline (tfx while packaging, task bundles
// in the benchmark): any TCP connection to a non-loopback address fails before DNS is even asked.
// With NETWORK_GUARD_FIRST_CONNECT_FILE set it also writes the wall-clock time (ms) of the process's first
// connection attempt to that file and exits: the benchmark's "process start to first HTTP request".
'use strict';
const net = require('node:net');
const fs = require('node:fs');

const firstConnectFile = process.env.NETWORK_GUARD_FIRST_CONNECT_FILE;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function isLoopback(host) {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:127\./.test(host);
}

/** The host of Socket#connect's arguments: (options[, cb]), (port[, host][, cb]) or an IPC path (always local). */
function targetHost(args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === 'object') return first.path ? 'localhost' : first.host || 'localhost';
  if (typeof first === 'string' && !/^\d+$/.test(first)) return 'localhost';
  return typeof args[1] === 'string' ? args[1] : 'localhost';
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const host = targetHost(args);
  if (firstConnectFile) {
    fs.writeFileSync(firstConnectFile, `${performance.timeOrigin + performance.now()} ${host}\n`);
    process.exit(0);
  }
  if (!isLoopback(host)) {
    const error = Object.assign(new Error(`network guard: connection to non-loopback host ${host} refused`), { code: 'ECONNREFUSED' });
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};
