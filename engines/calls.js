// The call-script interpreter shared by Node (run-wasm.mjs) and Chromium (browser.mjs).
//
// This file is a plain script, not a module: both hosts evaluate its text verbatim (Node with
// vm.runInThisContext, the browser page with an indirect eval), after which
// globalThis.TvmCalls.run(bytes, script, engine) is available. Keep it free of host APIs other
// than WebAssembly, TextDecoder and BigInt. The format is documented in engines/README.md.
(function (root) {
  'use strict';

  const ENOSYS = 52;
  const EBADF = 8;

  // ---- a minimal reader for the parts of a wasm binary that give export signatures ----------

  const VALTYPES = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' };

  /** Function signatures of a module's exports: {name: {params: [...], results: [...]}}, or null. */
  function exportSignatures(bytes) {
    try {
      return readSignatures(bytes);
    } catch (e) {
      return null; // an encoding this reader does not know (GC types, ...): calls run untyped
    }
  }

  function readSignatures(bytes) {
    let pos = 8;
    const u8 = () => {
      if (pos >= bytes.length) throw new Error('truncated module');
      return bytes[pos++];
    };
    const uleb = () => {
      let result = 0;
      let scale = 1;
      for (;;) {
        const b = u8();
        result += (b & 0x7f) * scale;
        if ((b & 0x80) === 0) return result;
        scale *= 128;
      }
    };
    const name = () => {
      const n = uleb();
      const s = new TextDecoder().decode(bytes.subarray(pos, pos + n));
      pos += n;
      return s;
    };
    const valtype = () => {
      const b = u8();
      if (b === 0x63 || b === 0x64) {
        uleb(); // heap type (s33; the negative abstract types are single bytes)
        return 'ref';
      }
      return VALTYPES[b] || 'ref';
    };
    const limits = () => {
      const flags = u8();
      uleb();
      if (flags & 1) uleb();
    };
    const types = [];
    const funcTypes = []; // type index of every function, imports first
    const exports = {};
    while (pos < bytes.length) {
      const id = u8();
      const size = uleb();
      const end = pos + size;
      if (id === 1) {
        for (let n = uleb(); n > 0; n--) {
          if (u8() !== 0x60) throw new Error('non-function type');
          const params = [];
          for (let k = uleb(); k > 0; k--) params.push(valtype());
          const results = [];
          for (let k = uleb(); k > 0; k--) results.push(valtype());
          types.push({ params, results });
        }
      } else if (id === 2) {
        for (let n = uleb(); n > 0; n--) {
          name();
          name();
          const kind = u8();
          if (kind === 0) funcTypes.push(uleb());
          else if (kind === 1) {
            valtype();
            limits();
          } else if (kind === 2) limits();
          else if (kind === 3) {
            valtype();
            u8();
          } else if (kind === 4) {
            u8();
            uleb();
          } else throw new Error('import kind ' + kind);
        }
      } else if (id === 3) {
        for (let n = uleb(); n > 0; n--) funcTypes.push(uleb());
      } else if (id === 7) {
        for (let n = uleb(); n > 0; n--) {
          const exportName = name();
          const kind = u8();
          const index = uleb();
          if (kind === 0) exports[exportName] = types[funcTypes[index]];
        }
      }
      pos = end;
    }
    return exports;
  }

  // ---- values -------------------------------------------------------------------------------

  const SPECIAL_FLOATS = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

  class ArgError extends Error {
    constructor(message) {
      super(message);
      this.name = 'ArgError';
    }
  }

  /** A script argument as a raw JS value: number, BigInt ("12n"), special float, or {ref: k}. */
  function rawArg(arg, raws) {
    if (arg !== null && typeof arg === 'object' && 'ref' in arg) {
      const k = arg.ref;
      if (!(k in raws)) throw new ArgError('ref ' + k + ' has no value (trap, error or later call)');
      return raws[k];
    }
    if (typeof arg === 'number') return arg;
    if (typeof arg === 'string') {
      if (/^-?[0-9]+n$/.test(arg)) return BigInt(arg.slice(0, -1));
      if (arg in SPECIAL_FLOATS) return SPECIAL_FLOATS[arg];
    }
    throw new ArgError('bad argument ' + JSON.stringify(arg));
  }

  /** Converts a raw value to what the JS API expects for a parameter of wasm type t. */
  function toParam(v, t) {
    if (Array.isArray(v)) throw new ArgError('a multi-value result cannot be an argument');
    if (t === 'i64') {
      if (typeof v === 'bigint') return v;
      if (Number.isInteger(v)) return BigInt(v);
      throw new ArgError('i64 parameter needs an integer, got ' + String(v));
    }
    if (t === 'i32') return typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : v;
    if (t === 'f32' || t === 'f64') return typeof v === 'bigint' ? Number(v) : v;
    return v;
  }

  /** A result as JSON: i64 "123n", floats as numbers or "NaN"/"Infinity"/"-Infinity"/"-0". */
  function encode(v) {
    if (v === undefined) return null;
    if (typeof v === 'bigint') return v.toString() + 'n';
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return 'NaN';
      if (v === Infinity) return 'Infinity';
      if (v === -Infinity) return '-Infinity';
      if (Object.is(v, -0)) return '-0';
      return v;
    }
    if (Array.isArray(v)) return v.map(encode);
    return String(v);
  }

  /** A short engine-independent name for a trap message (V8's and Chicory's wordings). */
  function trapKind(message) {
    const m = String(message).toLowerCase();
    if (m.includes('unreachable')) return 'unreachable';
    if (m.includes('out of bounds memory') || m.includes('memory access out of bounds')) return 'memory-oob';
    if (m.includes('divide by zero') || m.includes('divide by 0') || m.includes('remainder by zero')) return 'div-zero';
    // division overflow and float-to-int truncation out of range or of NaN: V8 words them
    // differently from the spec's "integer overflow" / "invalid conversion", so one kind
    if (m.includes('integer overflow') || m.includes('unrepresentable') || m.includes('invalid conversion')) {
      return 'int-overflow';
    }
    if (m.includes('call stack') || m.includes('stack size') || m.includes('stack overflow')) return 'stack-overflow';
    if (m.includes('signature mismatch') || m.includes('indirect call')) return 'indirect-call';
    if (m.includes('table') || m.includes('undefined element') || m.includes('uninitialized element')) return 'table';
    return 'other';
  }

  // ---- WASI stub ----------------------------------------------------------------------------

  class WasiExit extends Error {
    constructor(code) {
      super('proc_exit(' + code + ')');
      this.code = code;
    }
  }

  /** wasi_snapshot_preview1 imports: fd_write captures fds 1 and 2, proc_exit throws, the rest ENOSYS. */
  function wasiStub(state) {
    const view = () => new DataView(state.memory.buffer);
    const known = {
      fd_write(fd, iovs, iovsLen, nwrittenPtr) {
        if (fd !== 1 && fd !== 2) return EBADF;
        if (!state.memory) return ENOSYS;
        const dv = view();
        const bytes = new Uint8Array(state.memory.buffer);
        let total = 0;
        for (let i = 0; i < iovsLen; i++) {
          const ptr = dv.getUint32(iovs + 8 * i, true);
          const len = dv.getUint32(iovs + 8 * i + 4, true);
          state.out[fd].push(bytes.slice(ptr, ptr + len));
          total += len;
        }
        dv.setUint32(nwrittenPtr, total, true);
        return 0;
      },
      proc_exit(code) {
        throw new WasiExit(code);
      },
      args_sizes_get(countPtr, sizePtr) {
        if (!state.memory) return ENOSYS;
        view().setUint32(countPtr, 0, true);
        view().setUint32(sizePtr, 0, true);
        return 0;
      },
      args_get() {
        return 0;
      },
    };
    known.environ_sizes_get = known.args_sizes_get;
    known.environ_get = known.args_get;
    return new Proxy(
      {},
      {
        get(target, prop) {
          if (typeof prop !== 'string') return undefined;
          return known[prop] || (() => ENOSYS);
        },
      },
    );
  }

  function concatText(chunks) {
    let n = 0;
    for (const c of chunks) n += c.length;
    const all = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return new TextDecoder().decode(all);
  }

  function describe(e) {
    return (e && e.name ? e.name + ': ' : '') + (e && e.message ? e.message : String(e));
  }

  // ---- the runner ---------------------------------------------------------------------------

  function normaliseCalls(script, signatures, instance) {
    let exportsMode = script.exports;
    if (exportsMode !== undefined) {
      let names = exportsMode;
      if (exportsMode === '*') {
        names = Object.keys(instance.exports).filter(
          (n) =>
            typeof instance.exports[n] === 'function' &&
            (!signatures || (signatures[n] && signatures[n].params.length === 0)),
        );
      }
      return names.map((fn) => ({ fn, args: [] }));
    }
    return (script.calls || []).map((c) => (typeof c === 'string' ? { fn: c, args: [] } : c));
  }

  /**
   * Instantiates bytes and runs script's calls in order. Never throws: an instantiation failure
   * is reported as instantiated=false with an error, a failing call as {trap}, {exit} or {error}.
   */
  async function run(bytes, script, engine) {
    const out = { engine, instantiated: false, results: [] };
    const imports = script.imports || 'none';
    const state = { memory: null, out: { 1: [], 2: [] } };
    let importObject = {};
    if (imports === 'wasi-stub') importObject = { wasi_snapshot_preview1: wasiStub(state) };
    else if (imports !== 'none') {
      out.error = 'unknown imports mode ' + JSON.stringify(imports);
      return out;
    }
    let instance;
    try {
      instance = (await WebAssembly.instantiate(bytes, importObject)).instance;
    } catch (e) {
      out.error = describe(e);
      return out;
    }
    out.instantiated = true;
    state.memory =
      instance.exports.memory instanceof WebAssembly.Memory
        ? instance.exports.memory
        : Object.values(instance.exports).find((x) => x instanceof WebAssembly.Memory) || null;
    const signatures = exportSignatures(bytes);
    const raws = {};
    const calls = normaliseCalls(script, signatures, instance);
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i];
      try {
        const f = instance.exports[call.fn];
        if (typeof f !== 'function') throw new ArgError('no exported function ' + JSON.stringify(call.fn));
        const sig = signatures && signatures[call.fn];
        const args = (call.args || []).map((a, k) => toParam(rawArg(a, raws), sig ? sig.params[k] : undefined));
        let v;
        try {
          v = f(...args);
        } catch (e) {
          if (e instanceof WasiExit) out.results.push({ exit: e.code });
          else if (e instanceof WebAssembly.RuntimeError || (e instanceof RangeError && /stack/i.test(e.message))) {
            out.results.push({ trap: e.message, kind: trapKind(e.message) });
          } else throw e;
          continue;
        }
        raws[i] = v;
        out.results.push(encode(v));
      } catch (e) {
        out.results.push({ error: describe(e) });
      }
    }
    if (imports === 'wasi-stub') {
      out.stdout = concatText(state.out[1]);
      out.stderr = concatText(state.out[2]);
    }
    return out;
  }

  root.TvmCalls = { run, exportSignatures, trapKind };
})(globalThis);
