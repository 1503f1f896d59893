'use strict'
// cachepg transparent caching through a real driver: node-postgres over the
// extended protocol with untyped bound parameters (node-postgres sends
// parameter type 0), named prepared statements, binary results and portals
// read in pieces (pg-cursor).  Every result is compared, byte for byte, with
// the same statement run on a second connection with cachepg.enabled = off:
// column names, table OID and column number, type OID, size, typmod, format,
// command tag, row count, row order and every value's bytes.  Cache
// behaviour (stored, hit, not stored) is read from cache_stats() deltas.
//
// Connection: the PG* environment variables (driver.sh sets PGHOST to the
// throwaway server's socket directory).  Expects the tables driver.sh makes:
// items(id int primary key, name text, price numeric(10,2)) with ids 1..10
// and typed(id, n numeric(10,2), ts timestamptz, tags text[], doc jsonb,
// v varchar(20)), both watched.  Prints one PASS/FAIL line per check and
// "driver: N passed, N failed" last; exits 1 on any failure.

const path = require('path')
const crypto = require('crypto')
const { Client } = require('pg')
const Cursor = require('pg-cursor')

// node-postgres decodes every DataRow value as UTF-8 (also binary ones), which
// loses bytes that are not valid UTF-8.  Decode as latin1 instead: one char
// per byte, so comparing the strings compares the exact bytes on the wire.
const { BufferReader } = require(path.join(path.dirname(require.resolve('pg-protocol')), 'buffer-reader.js'))
BufferReader.prototype.string = function (length) {
  const result = this.buffer.toString('latin1', this.offset, this.offset + length)
  this.offset += length
  return result
}
// No value parsing: rows are arrays of the raw (latin1) strings or null.
const RAW = { getTypeParser: () => (v) => v }

const verbose = process.env.DRIVER_VERBOSE === '1'
let passed = 0
let failed = 0

function report(ok, name, detail) {
  if (ok) passed++
  else failed++
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ' -- ' + detail : ''}`)
}

// A group of checks sharing setup; an exception fails the group (and names it).
async function group(name, fn) {
  const t = {
    check(sub, ok, detail) {
      report(!!ok, `${name}: ${sub}`, detail)
    },
  }
  try {
    await fn(t)
  } catch (e) {
    report(false, `${name}: ran to the end`, `error: ${e.message}${e.code ? ' (SQLSTATE ' + e.code + ')' : ''}`)
  }
}

async function connect(settings) {
  const c = new Client({ application_name: 'cachepg-driver-test' })
  c.on('notice', (n) => {
    if (verbose) console.log(`  notice: ${n.message}`)
  })
  c.on('error', (e) => console.log(`  connection error: ${e.message}`))
  await c.connect()
  for (const s of settings || []) await c.query(s)
  return c
}

// What a column's RowDescription says.  The column's origin (table OID and
// column number) is kept apart, non-enumerable, so that it is compared by its
// own check ("origin") and does not hide the other differences.
const fieldShape = (f) => {
  const shaped = {
    name: f.name,
    dataTypeID: f.dataTypeID,
  dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: f.format,
  }
  Object.defineProperty(shaped, 'origin', { value: `${f.tableID}.${f.columnID}`, enumerable: false })
  return shaped
}
const origins = (fields) => fields.map((f) => `${f.name}=${f.origin}`).join(' ')

function shape(r) {
  return { command: r.command, rowCount: r.rowCount, fields: r.fields.map(fieldShape), rows: r.rows }
}

// Run a query (string or node-postgres query config) with raw values, as arrays.
async function run(client, q, values) {
  const cfg = typeof q === 'string' ? { text: q } : { ...q }
  if (values) cfg.values = values
  cfg.rowMode = 'array'
  cfg.types = RAW
  return shape(await client.query(cfg))
}

// Read a whole portal through pg-cursor, `piece` rows per Execute.
async function cursorRead(client, text, values, piece, limit) {
  const cursor = client.query(new Cursor(text, values, { rowMode: 'array', types: RAW }))
  const rows = []
  let result = null
  let pieces = 0
  for (;;) {
    const batch = await new Promise((resolve, reject) =>
      cursor.read(piece, (err, r, res) => {
        if (err) return reject(err)
        if (res) result = res
        resolve(r)
      }))
    pieces++
    rows.push(...batch)
    if (batch.length === 0 || (limit && rows.length >= limit)) break
  }
  await cursor.close()
  return { rows, pieces, command: result && result.command, fields: result ? result.fields.map(fieldShape) : [] }
}

function show(v) {
  const s = JSON.stringify(v, (k, x) =>
    typeof x === 'string' && /[^\x20-\x7e]/.test(x) ? 'hex:' + Buffer.from(x, 'latin1').toString('hex') : x)
  if (s === undefined) return String(v)
  return s.length > 600 ? s.slice(0, 600) + '...' : s
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b)
}

// "same" check with both sides shown on failure
function diff(a, b) {
  if (same(a, b)) return ''
  if (a === undefined || b === undefined) return `got ${show(a)}, direct ${show(b)}`
  if (a && b && typeof a === 'object' && !Array.isArray(a)) {
    const parts = []
    for (const k of Object.keys({ ...a, ...b })) {
      if (!same(a[k], b[k])) parts.push(`${k}: got ${show(a[k])}, direct ${show(b[k])}`)
    }
    return parts.join('; ')
  }
  return `got ${show(a)}, direct ${show(b)}`
}

let direct // cachepg.enabled = off: the reference
// Counters that say why a result was not stored, shown when they moved.
const WHY = ['uncacheable', 'too_large', 'store_failures', 'bypassed', 'not_watched', 'write_conflicts', 'not_admitted', 'coalesced']
async function stats() {
  const r = await direct.query('SELECT * FROM cache_stats()')
  const s = r.rows[0]
  const out = { hits: Number(s.hits), misses: Number(s.misses), stores: Number(s.stores) }
  for (const k of WHY) if (k in s) out[k] = Number(s[k])
  return out
}
function delta(a, b) {
  const d = {}
  for (const k of Object.keys(b)) d[k] = b[k] - a[k]
  return d
}
const fmt = (d) => `hits +${d.hits}, misses +${d.misses}, stores +${d.stores}` +
  WHY.filter((k) => d[k]).map((k) => `, ${k} +${d[k]}`).join('')

// Remove cachepg hint comments, so the reference is the statement with no hint.
function unhinted(text) {
  return text.replace(/\/\*\s*cachepg\s*:[^*]*\*\//g, '').replace(/\/\*cachepg=[^*]*\*\//g, '')
}
async function ref(q, values) {
  const cfg = typeof q === 'string' ? { text: q } : { ...q }
  cfg.text = unhinted(cfg.text)
  if (cfg.name) cfg.name = 'direct_' + cfg.name
  return run(direct, cfg, values)
}

const HINT = '/* cachepg: ttl=60 */ '

function pkgVersion(name) {
  // pg-cursor's "exports" hides its package.json: find it from the main file
  let d = path.dirname(require.resolve(name))
  while (!require('fs').existsSync(path.join(d, 'package.json'))) d = path.dirname(d)
  return JSON.parse(require('fs').readFileSync(path.join(d, 'package.json'), 'utf8')).version
}

async function main() {
  // a hang (a portal or a hit that never answers) is a failure, not a stuck run
  setTimeout(() => {
    console.log('FAIL driver test timed out after 240 s (a query never answered)')
    console.log(`driver: ${passed} passed, ${failed + 1} failed`)
    process.exit(1)
  }, 240000).unref()
  direct = await connect(['SET cachepg.enabled = off'])
  const version = (await direct.query('SHOW server_version')).rows[0].server_version
  const mode = await direct.query("SELECT current_setting('cachepg.mode', true) AS m")
  console.log(`server ${version}, node ${process.version}, pg ${pkgVersion('pg')}, ` +
    `pg-cursor ${pkgVersion('pg-cursor')}, cachepg.mode ${mode.rows[0].m === null ? 'undefined (feature not installed)' : mode.rows[0].m}`)

  await group('reference connection (cachepg.enabled = off)', async (t) => {
    const q = HINT + 'SELECT id, name, price FROM items WHERE id = $1'
    const s0 = await stats()
    await run(direct, q, ['7'])
    await run(direct, q, ['7'])
    const d = delta(s0, await stats())
    t.check('a hinted query run there is neither stored nor hit', d.hits === 0 && d.stores === 0, fmt(d))
  })

  await group('untyped bound parameters', async (t) => {
    const c = await connect()
    const q = HINT + 'SELECT id, name, price FROM items WHERE id = $1'
    const ref7 = await ref(q, ['7'])
    const s0 = await stats()
    const r1 = await run(c, q, ['7'])
    const s1 = await stats()
    const r2 = await run(c, q, ['7'])
    const s2 = await stats()
    t.check('first run equals direct (tag, fields, rows)', same(r1, ref7), diff(r1, ref7))
    t.check('second run equals direct (tag, fields, rows)', same(r2, ref7), diff(r2, ref7))
    t.check('fields (name, type OID, typmod, format) equal direct',
      same(r2.fields, ref7.fields), diff(r2.fields, ref7.fields) || show(r2.fields.map((f) => [f.name, f.dataTypeID, f.dataTypeModifier, f.format])))
    t.check('origin: RowDescription table OID and column number equal direct, both runs',
      origins(r1.fields) === origins(ref7.fields) && origins(r2.fields) === origins(ref7.fields),
      `got ${origins(r1.fields)} / ${origins(r2.fields)}, direct ${origins(ref7.fields)}`)
    t.check('first run stored', delta(s0, s1).stores === 1, fmt(delta(s0, s1)))
    t.check('second run is a hit', delta(s1, s2).hits === 1, fmt(delta(s1, s2)))
    // another value of the same statement must not be served the first one's rows
    const r3 = await run(c, q, ['8'])
    const ref8 = await ref(q, ['8'])
    t.check('another parameter value gets its own rows', same(r3, ref8), diff(r3, ref8))
    // parameters with no type from context (resolved as text), NULL against ''
    const qu = HINT + 'SELECT id, $1 AS p FROM items WHERE id = 1'
    const qn = HINT + "SELECT id, coalesce($1, 'none') AS p FROM items WHERE id = 1"
    const bad = []
    for (const [qq, vals] of [[qu, ['a']], [qu, ['b']], [qu, ['a']], [qn, [null]], [qn, ['']], [qn, [null]], [qn, ['none']]]) {
      const r = await run(c, qq, vals)
      const d = await ref(qq, vals)
      if (!same(r, d)) bad.push(`${JSON.stringify(vals)}: ${diff(r, d)}`)
    }
    t.check("$1 with no type from context ('a', 'b'), NULL against '' and 'none': each its own rows", bad.length === 0, bad.join('; '))
    // zero rows: RowDescription must still come, same as direct
    const z0 = await stats()
    const e1 = await run(c, q, ['999'])
    const e2 = await run(c, q, ['999'])
    const ez = delta(z0, await stats())
    const eref = await ref(q, ['999'])
    t.check('zero-row result equals direct twice (fields, tag)', same(e1, eref) && same(e2, eref), diff(e2, eref) || diff(e1, eref))
    t.check('zero-row result stored then hit', ez.stores === 1 && ez.hits === 1, fmt(ez))
    await c.end()
  })

  await group('simple query protocol (no parameters)', async (t) => {
    const c = await connect()
    const q = HINT + 'SELECT id, name, price FROM items WHERE id = 2'
    const r0 = await ref(q)
    const s0 = await stats()
    const r1 = await run(c, q)
    const r2 = await run(c, q)
    const d = delta(s0, await stats())
    t.check('both runs equal direct', same(r1, r0) && same(r2, r0), diff(r1, r0) || diff(r2, r0))
    t.check('stored then hit', d.stores === 1 && d.hits === 1, fmt(d))
    await c.end()
  })

  await group('named prepared statement, generic plan', async (t) => {
    const c = await connect()
    const text = HINT + 'SELECT id, name, price FROM items WHERE id = $1'
    const ids = ['1', '2', '3', '1', '2', '3', '4', '5', '1', '2', '3', '4']
    const seen = new Set()
    let repeats = 0
    let bad = []
    const s0 = await stats()
    for (let i = 0; i < ids.length; i++) {
      if (seen.has(ids[i])) repeats++
      seen.add(ids[i])
      const r = await run(c, { name: 'q1', text }, [ids[i]])
      const d = await ref({ name: 'q1', text }, [ids[i]])
      if (!same(r, d)) bad.push(`execution ${i + 1} (id ${ids[i]}): ${diff(r, d)}`)
    }
    const d = delta(s0, await stats())
    const plan = await c.query("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'q1'")
    const p = plan.rows[0] || {}
    t.check(`${ids.length} executions equal direct`, bad.length === 0, bad.join('; '))
    t.check('PostgreSQL switched to a generic plan', Number(p.generic_plans) > 0,
      `generic_plans ${p.generic_plans}, custom_plans ${p.custom_plans}`)
    t.check(`each repeated value is a hit (${repeats} repeats)`, d.hits === repeats, fmt(d))
    t.check(`each new value is stored (${seen.size} values)`, d.stores === seen.size, fmt(d))
    await c.end()
  })

  await group('cachepg.mode = force', async (t) => {
    // README: under force a statement is loaded the second time it is seen
    // lately (TinyLFU's doorkeeper); the first time its own plan runs.
    const c = await connect()
    await c.query('SET cachepg.mode = force')
    const q = 'SELECT id, name AS force_name, price FROM items WHERE id = $1'
    const r0 = await ref(q, ['4'])
    const s0 = await stats()
    const r1 = await run(c, q, ['4'])
    const s1 = await stats()
    const r2 = await run(c, q, ['4'])
    const s2 = await stats()
    const r3 = await run(c, q, ['4'])
    const s3 = await stats()
    t.check('unhinted query equals direct three times', same(r1, r0) && same(r2, r0) && same(r3, r0),
      diff(r1, r0) || diff(r2, r0) || diff(r3, r0))
    t.check('first sight: not stored', delta(s0, s1).stores === 0, fmt(delta(s0, s1)))
    t.check('second sight: stored', delta(s1, s2).stores === 1, fmt(delta(s1, s2)))
    t.check('third run is a hit', delta(s2, s3).hits === 1, fmt(delta(s2, s3)))
    // a named statement on a generic plan under force: the plan below the node
    const qn = 'SELECT id, name AS force_named, price FROM items WHERE id = $1'
    const ids = ['1', '2', '1', '2', '1', '2', '1', '2', '3']
    const bad = []
    const n0 = await stats()
    for (let i = 0; i < ids.length; i++) {
      const r = await run(c, { name: 'f1', text: qn }, [ids[i]])
      const d = await ref({ name: 'f1', text: qn }, [ids[i]])
      if (!same(r, d)) bad.push(`execution ${i + 1} (id ${ids[i]}): ${diff(r, d)}`)
    }
    const nd = delta(n0, await stats())
    t.check(`named statement, ${ids.length} executions (generic plan) equal direct`, bad.length === 0, bad.join('; '))
    t.check('named statement: ids 1 and 2 stored at second sight, then hits (2 stores, 4 hits)',
      nd.stores === 2 && nd.hits === 4, fmt(nd))
    const qo = '/* cachepg: off */ SELECT id, name AS force_off, price FROM items WHERE id = $1'
    const o0 = await ref(qo, ['4'])
    const x0 = await stats()
    await run(c, qo, ['4'])
    await run(c, qo, ['4'])
    const o2 = await run(c, qo, ['4'])
    const d = delta(x0, await stats())
    t.check('/* cachepg: off */ equals direct and is neither stored nor hit',
      same(o2, o0) && d.stores === 0 && d.hits === 0, fmt(d) + (same(o2, o0) ? '' : '; ' + diff(o2, o0)))
    // SET cachepg.mode = manual again: the unhinted statement is no longer served from the cache
    await c.query('SET cachepg.mode = manual')
    const m0 = await stats()
    const m1 = await run(c, q, ['4'])
    const md = delta(m0, await stats())
    t.check('back to manual: the unhinted statement is not looked up', md.hits === 0 && md.misses === 0 && same(m1, r0), fmt(md))
    await c.end()
  })

  await group('/* cachepg: on */ (cachepg.default_ttl)', async (t) => {
    const c = await connect()
    const q = '/* cachepg: on */ SELECT id, name AS on_name FROM items WHERE id = $1'
    const r0 = await ref(q, ['6'])
    const s0 = await stats()
    const r1 = await run(c, q, ['6'])
    const r2 = await run(c, q, ['6'])
    const d = delta(s0, await stats())
    t.check('equals direct twice', same(r1, r0) && same(r2, r0), diff(r1, r0) || diff(r2, r0))
    t.check('stored then hit', d.stores === 1 && d.hits === 1, fmt(d))
    await c.end()
  })

  await group('table policy (cache_table_policy)', async (t) => {
    const c = await connect()
    try {
      await direct.query("SELECT cache_table_policy('items'::regclass, ttl => 60)")
      const q = 'SELECT id, name AS policy_name, price FROM items WHERE id = $1'
      const r0 = await ref(q, ['3'])
      const s0 = await stats()
      const r1 = await run(c, q, ['3'])
      const s1 = await stats()
      const r2 = await run(c, q, ['3'])
      const s2 = await stats()
      t.check('unhinted query equals direct twice', same(r1, r0) && same(r2, r0), diff(r1, r0) || diff(r2, r0))
      t.check('first run stored', delta(s0, s1).stores === 1, fmt(delta(s0, s1)))
      t.check('second run is a hit', delta(s1, s2).hits === 1, fmt(delta(s1, s2)))
      await direct.query("SELECT cache_table_policy('items'::regclass, ttl => NULL)")
      const q2 = 'SELECT id, name AS policy_removed, price FROM items WHERE id = $1'
      const s3 = await stats()
      await run(c, q2, ['3'])
      await run(c, q2, ['3'])
      const d = delta(s3, await stats())
      t.check('ttl => NULL removes the policy (nothing stored or hit)', d.stores === 0 && d.hits === 0, fmt(d))
    } finally {
      await direct.query("SELECT cache_table_policy('items'::regclass, ttl => NULL)").catch(() => {})
      await c.end()
    }
  })

  await group('binary results (binary: true)', async (t) => {
    const c = await connect()
    const q = HINT + 'SELECT id, name AS bin_name, price FROM items WHERE id = $1'
    const rt = await ref(q, ['5'])
    const rb = await ref({ text: q, binary: true }, ['5'])
    const s0 = await stats()
    const t1 = await run(c, q, ['5'])
    const b1 = await run(c, { text: q, binary: true }, ['5'])
    const b2 = await run(c, { text: q, binary: true }, ['5'])
    const t2 = await run(c, q, ['5'])
    const d = delta(s0, await stats())
    t.check('direct binary result is binary', rb.fields.every((f) => f.format === 'binary'), show(rb.fields.map((f) => f.format)))
    t.check('text, binary, binary, text in turn each equal direct',
      same(t1, rt) && same(b1, rb) && same(b2, rb) && same(t2, rt),
      diff(t1, rt) || diff(b1, rb) || diff(b2, rb) || diff(t2, rt))
    t.check('the text run stored, the next three hit (or 1 more store and 2 hits if the format is in the key)',
      (d.stores === 1 && d.hits === 3) || (d.stores === 2 && d.hits === 2), fmt(d))
    const qt = HINT + 'SELECT id, n, ts, tags, doc, v FROM typed ORDER BY id'
    const tb = await ref({ text: qt, binary: true })
    const x1 = await run(c, { text: qt, binary: true })
    const x2 = await run(c, { text: qt, binary: true })
    const tt = await ref(qt)
    const x3 = await run(c, qt)
    t.check('numeric, timestamptz, text[], jsonb, varchar in binary twice, then text, equal direct',
      same(x1, tb) && same(x2, tb) && same(x3, tt), diff(x1, tb) || diff(x2, tb) || diff(x3, tt))
    await c.end()
  })

  await group('types and typmods', async (t) => {
    const c = await connect()
    const q = HINT + 'SELECT id, n, ts, tags, doc, v, n * 2 AS n2, v::varchar(5) AS v5, ' +
      'n::numeric(12,4) AS n4 FROM typed WHERE id <= $1 ORDER BY id'
    const r0 = await ref(q, ['3'])
    const s0 = await stats()
    const r1 = await run(c, q, ['3'])
    const r2 = await run(c, q, ['3'])
    const d = delta(s0, await stats())
    t.check('direct typmods are the declared ones', same(r0.fields.map((f) => f.dataTypeModifier),
      [-1, 655366, -1, -1, -1, 24, -1, 9, 786440]), show(r0.fields.map((f) => [f.name, f.dataTypeModifier])))
    t.check('fields (name, type OID, size, typmod, format) equal direct, twice',
      same(r1.fields, r0.fields) && same(r2.fields, r0.fields), diff(r1.fields, r0.fields) || diff(r2.fields, r0.fields))
    t.check('origin: table OID and column number equal direct (0 for expressions)',
      origins(r1.fields) === origins(r0.fields) && origins(r2.fields) === origins(r0.fields),
      `got ${origins(r2.fields)}, direct ${origins(r0.fields)}`)
    t.check('values equal direct, twice', same(r1.rows, r0.rows) && same(r2.rows, r0.rows), diff(r1.rows, r0.rows) || diff(r2.rows, r0.rows))
    t.check('stored then hit', d.stores === 1 && d.hits === 1, fmt(d))
    // timestamptz text depends on TimeZone (and DateStyle): a hit must follow the session's setting
    await c.query("SET TimeZone = 'Asia/Tokyo'")
    await direct.query("SET TimeZone = 'Asia/Tokyo'")
    const z0 = await ref(q, ['3'])
    const z1 = await run(c, q, ['3'])
    const z2 = await run(c, q, ['3'])
    await c.query("SET DateStyle = 'SQL, DMY'")
    await direct.query("SET DateStyle = 'SQL, DMY'")
    const y0 = await ref(q, ['3'])
    const y1 = await run(c, q, ['3'])
    await direct.query('RESET TimeZone')
    await direct.query('RESET DateStyle')
    t.check('after SET TimeZone / DateStyle, values equal direct',
      same(z1, z0) && same(z2, z0) && same(y1, y0), diff(z1, z0) || diff(z2, z0) || diff(y1, y0))
    await c.end()
  })

  await group('portal read in pieces (pg-cursor, 3 rows per Execute)', async (t) => {
    const c = await connect()
    const q = HINT + 'SELECT id, name, price FROM items WHERE id <= $1 ORDER BY id'
    const r0 = await ref(q, ['10'])
    const s0 = await stats()
    const k1 = await cursorRead(c, q, ['10'], 3)
    const s1 = await stats()
    const k2 = await cursorRead(c, q, ['10'], 3)
    const s2 = await stats()
    t.check('first cursor read: 10 rows in 5 Executes, equal direct', same(k1.rows, r0.rows) && k1.pieces === 5,
      `${k1.rows.length} rows in ${k1.pieces} reads; ` + diff(k1.rows, r0.rows))
    t.check('fields and command tag equal direct', same(k1.fields, r0.fields) && same(k2.fields, r0.fields) &&
      k1.command === r0.command && k2.command === r0.command,
      (diff(k1.fields, r0.fields) || diff(k2.fields, r0.fields)) + ` tags ${k1.command}, ${k2.command}, direct ${r0.command}`)
    t.check('second cursor read equals direct', same(k2.rows, r0.rows), `${k2.rows.length} rows; ` + diff(k2.rows, r0.rows))
    t.check('first read stored', delta(s0, s1).stores === 1, fmt(delta(s0, s1)))
    t.check('second read served from cache (hit)', delta(s1, s2).hits === 1, fmt(delta(s1, s2)))
    const f1 = await run(c, q, ['10'])
    t.check('a full (unlimited) Execute of it then equals direct', same(f1, r0), diff(f1, r0))

    // A portal closed after its first piece must never leave a truncated entry.
    const qt = HINT + 'SELECT id, name AS trunc_name, price FROM items WHERE id <= $1 ORDER BY id'
    const rt = await ref(qt, ['10'])
    const u0 = await stats()
    const part = await cursorRead(c, qt, ['10'], 3, 3)
    const u1 = await stats()
    const full1 = await run(c, qt, ['10'])
    const u2 = await stats()
    const full2 = await run(c, qt, ['10'])
    const k3 = await cursorRead(c, qt, ['10'], 4)
    t.check('partial read got the first 3 rows', same(part.rows, rt.rows.slice(0, 3)), diff(part.rows, rt.rows.slice(0, 3)))
    t.check('after it, full queries return all 10 rows, equal direct', same(full1, rt) && same(full2, rt),
      `rows ${full1.rowCount}, ${full2.rowCount}; ` + (diff(full1, rt) || diff(full2, rt)))
    t.check('and a cursor read by 4 returns all 10', same(k3.rows, rt.rows), `${k3.rows.length} rows; ` + diff(k3.rows, rt.rows))
    // Storing there is fine only if what was stored is the whole result (the
    // full query after it is then a hit with all 10 rows, checked above).
    const pd = delta(u0, u1)
    const fd = delta(u1, u2)
    t.check('the partial read stored nothing, or a complete entry the next full query hits',
      pd.stores === 0 || (fd.hits === 1 && same(full1, rt)),
      `partial read: ${fmt(pd)}; next full query: ${fmt(fd)}, ${full1.rowCount} rows`)
    // the same inside an explicit transaction block
    const qx = HINT + 'SELECT id, name AS trunc_tx, price FROM items WHERE id <= $1 ORDER BY id'
    const rx = await ref(qx, ['10'])
    await c.query('BEGIN')
    const px = await cursorRead(c, qx, ['10'], 2, 2)
    const fx = await run(c, qx, ['10'])
    await c.query('COMMIT')
    const gx = await run(c, qx, ['10'])
    t.check('in a transaction block: partial read, then full queries return all 10',
      px.rows.length === 2 && same(fx, rx) && same(gx, rx), `partial ${px.rows.length}; ` + (diff(fx, rx) || diff(gx, rx)))
    await c.end()
  })

  await group('writes invalidate (never stale)', async (t) => {
    const c = await connect()
    const q = HINT + 'SELECT id, name, price FROM items WHERE id = $1'
    await run(c, q, ['7'])
    const before = await run(c, q, ['7']) // a hit by now
    const p0 = Number(Buffer.from(before.rows[0][2], 'latin1').toString())
    await direct.query('UPDATE items SET price = price + 1 WHERE id = 7')
    const a1 = await run(c, q, ['7'])
    const r1 = await ref(q, ['7'])
    t.check('after a committed UPDATE in another session: new price, equal direct',
      same(a1, r1) && Number(a1.rows[0][2]) === p0 + 1, `before ${p0}, got ${a1.rows[0][2]}, direct ${r1.rows[0][2]}`)
    await run(c, q, ['7'])
    await c.query('UPDATE items SET price = price + 1 WHERE id = 7')
    const a2 = await run(c, q, ['7'])
    const r2 = await ref(q, ['7'])
    t.check('after a committed UPDATE in the same session: new price, equal direct',
      same(a2, r2) && Number(a2.rows[0][2]) === p0 + 2, `got ${a2.rows[0][2]}, direct ${r2.rows[0][2]}`)
    // the same with a named prepared statement on a generic plan
    for (let i = 0; i < 7; i++) await run(c, { name: 'w1', text: q }, ['7'])
    await direct.query('UPDATE items SET price = price + 1 WHERE id = 7')
    const a3 = await run(c, { name: 'w1', text: q }, ['7'])
    t.check('named prepared statement after an UPDATE: new price',
      Number(a3.rows[0][2]) === p0 + 3, `got ${a3.rows[0][2]}, expected ${p0 + 3}`)
    // own uncommitted write inside a transaction, then rolled back
    await c.query('BEGIN')
    await run(c, q, ['7'])
    await c.query('UPDATE items SET price = price + 100 WHERE id = 7')
    const a4 = await run(c, q, ['7'])
    await c.query('ROLLBACK')
    const a5 = await run(c, q, ['7'])
    const r5 = await ref(q, ['7'])
    t.check('own uncommitted UPDATE is seen in its transaction',
      Number(a4.rows[0][2]) === p0 + 103, `got ${a4.rows[0][2]}, expected ${p0 + 103}`)
    t.check('after ROLLBACK the committed value, equal direct', same(a5, r5), diff(a5, r5))
    await c.end()
  })

  await group('errors, several statements, SQL cursors', async (t) => {
    const c = await connect()
    // an error in a hinted statement: same SQLSTATE and message as direct, connection usable
    const qe = HINT + 'SELECT id, 100 / (id - $1) AS q FROM items WHERE id <= 10 ORDER BY id'
    const err = async (cl, q, v) => cl.query(q, v).then(() => null, (e) => `${e.code} ${e.message}`)
    const e1 = await err(c, qe, ['5'])
    const e2 = await err(c, qe, ['5'])
    const e0 = await err(direct, unhinted(qe), ['5'])
    const ok = await run(c, qe, ['11'])
    const ok0 = await ref(qe, ['11'])
    t.check('an error is the direct one, twice', e1 === e0 && e2 === e0, `got ${e1} / ${e2}, direct ${e0}`)
    t.check('then the same statement with another value equals direct', same(ok, ok0), diff(ok, ok0))
    // several statements in one simple query
    const qm = HINT + "SELECT id, name FROM items WHERE id = 1; SELECT 'x' AS b, price FROM items WHERE id = 2"
    const m = []
    for (let i = 0; i < 2; i++) {
      const r = await c.query({ text: qm, rowMode: 'array', types: RAW })
      m.push(JSON.stringify(r.map(shape)))
    }
    const md = await direct.query({ text: unhinted(qm), rowMode: 'array', types: RAW })
    t.check('two statements in one simple query: both results equal direct, twice',
      m[0] === JSON.stringify(md.map(shape)) && m[1] === m[0],
      m[0] === JSON.stringify(md.map(shape)) && m[1] === m[0] ? '' : `got ${show(m)}, direct ${show(md.map(shape))}`)
    // DECLARE ... SCROLL CURSOR and FETCH in both directions
    const steps = ['FETCH 3 FROM cur', 'FETCH 3 FROM cur', 'FETCH BACKWARD 2 FROM cur', 'FETCH ALL FROM cur', 'FETCH ABSOLUTE 1 FROM cur']
    const fetchAll = async (cl, text) => {
      const out = []
      await cl.query('BEGIN')
      await cl.query(`DECLARE cur SCROLL CURSOR FOR ${text}`)
      for (const st of steps) out.push(await run(cl, st))
      await cl.query('COMMIT')
      return out
    }
    const qc = HINT + 'SELECT id, name AS cur_name FROM items WHERE id <= 10 ORDER BY id'
    const f0 = await fetchAll(direct, unhinted(qc))
    const x0 = await stats()
    // a cursor is served hits but never loads (its client may read a few
    // rows of a large result): the plain statement stores, then the cursor hits
    const f1 = await fetchAll(c, qc)
    const fd1 = delta(x0, await stats())
    await c.query(qc)
    const x1 = await stats()
    const f2 = await fetchAll(c, qc)
    const fd = delta(x1, await stats())
    t.check('DECLARE SCROLL CURSOR, FETCH forward/backward/absolute: equal direct, twice', same(f1, f0) && same(f2, f0),
      diff(f1, f0) || diff(f2, f0))
    t.check('a cursor on a miss stores nothing', fd1.stores === 0, fmt(fd1))
    t.check('a cursor is served an entry the plain statement stored', fd.hits >= 1, fmt(fd))
    await c.end()
  })

  await group('snapshots: REPEATABLE READ keeps its answer', async (t) => {
    const c = await connect()
    const rr = await connect(['SET cachepg.enabled = off'])
    const q = HINT + 'SELECT id, name, price FROM items WHERE id = $1'
    await run(c, q, ['8'])
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
    await rr.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
    const a1 = await run(c, q, ['8'])
    const b1 = await run(rr, unhinted(q), ['8'])
    await direct.query('UPDATE items SET price = price + 1 WHERE id = 8')
    const other = await connect()
    await run(other, q, ['8']) // another session loads the new value
    await run(other, q, ['8'])
    await other.end()
    const a2 = await run(c, q, ['8'])
    const b2 = await run(rr, unhinted(q), ['8'])
    await c.query('COMMIT')
    await rr.query('COMMIT')
    const a3 = await run(c, q, ['8'])
    const b3 = await ref(q, ['8'])
    t.check('inside the transaction, before and after a commit elsewhere: the snapshot\'s rows',
      same(a1, b1) && same(a2, b2), `got ${show(a1.rows)} / ${show(a2.rows)}, direct ${show(b1.rows)} / ${show(b2.rows)}`)
    t.check('after it: the new rows', same(a3, b3), diff(a3, b3))
    await rr.end()
    await c.end()
  })

  await group('concurrent sessions (single-flight)', async (t) => {
    const n = 8
    const cs = await Promise.all(Array.from({ length: n }, () => connect()))
    // a query slow enough (about 0.1 s) for the sessions to overlap, and storable (no volatile function)
    const q = HINT + 'SELECT i.id, i.name AS flight, (SELECT count(*) FROM generate_series(1, 2000000)) AS z ' +
      'FROM items i WHERE i.id <= $1 ORDER BY i.id'
    const r0 = await ref(q, ['10'])
    const x0 = await stats()
    const rs = await Promise.all(cs.map((c) => run(c, q, ['10'])))
    const d = delta(x0, await stats())
    t.check(`${n} sessions asking at once all get the direct rows`, rs.every((r) => same(r, r0)),
      diff(rs.find((r) => !same(r, r0)) || r0, r0))
    t.check('one load, the others served it', d.stores === 1 && d.hits === n - 1, fmt(d))
    await Promise.all(cs.map((c) => c.end()))
  })

  await group('hint text inside a string literal', async (t) => {
    const c = await connect()
    const q = "SELECT '/* cachepg: ttl=60 */' AS s"
    const r0b = await run(direct, q) // as is: ref() would strip the text inside the literal
    const s0 = await stats()
    const r1 = await run(c, q)
    const r2 = await run(c, q)
    const r3 = await run(c, { text: q, values: [] , queryMode: 'extended' })
    const d = delta(s0, await stats())
    t.check('result equals direct', same(r1, r0b) && same(r2, r0b) && same(r3, r0b), diff(r1, r0b) || diff(r3, r0b))
    t.check('not cached (stores and hits unchanged)', d.stores === 0 && d.hits === 0, fmt(d))
    // the same next to a table, and in other kinds of literal and a quoted identifier
    const others = [
      "SELECT '/* cachepg: ttl=60 */' AS s, name FROM items WHERE id = 1",
      'SELECT $$/* cachepg: ttl=60 */$$ AS s, name FROM items WHERE id = 1',
      "SELECT E'\\' /* cachepg: ttl=60 */' AS s, name FROM items WHERE id = 1",
      'SELECT name AS "/* cachepg: ttl=60 */" FROM items WHERE id = 1',
    ]
    for (const qq of others) {
      const o0 = await run(direct, qq)
      const x0 = await stats()
      const o1 = await run(c, qq)
      const o2 = await run(c, qq)
      const od = delta(x0, await stats())
      t.check(`${qq}: equals direct, not cached`, same(o1, o0) && same(o2, o0) && od.stores === 0 && od.hits === 0,
        fmt(od) + (same(o2, o0) ? '' : '; ' + diff(o2, o0)))
    }
    const qp = 'SELECT $1::text AS s, id FROM items WHERE id = 1'
    const p0 = await stats()
    await run(c, qp, ['/* cachepg: ttl=60 */'])
    await run(c, qp, ['/* cachepg: ttl=60 */'])
    const dp = delta(p0, await stats())
    t.check('hint text as a bound parameter value: not cached', dp.stores === 0 && dp.hits === 0, fmt(dp))
    await c.end()
  })

  await group('cache key: statements that differ inside literals, quoted names or comments', async (t) => {
    // README: the key ignores comments and whitespace between tokens.  Inside
    // a literal or a quoted identifier they are the value: never the same key.
    const c = await connect()
    const tail = ' FROM items WHERE id = $1'
    const pairs = [
      ["'x y' AS s", "'x  y' AS s"],
      ['1 AS "x y"', '1 AS "x  y"'],
      ['1 AS "X"', '1 AS "x"'],
      ["'A' AS s", "'a' AS s"],
      ['$$x y$$ AS s', '$$x  y$$ AS s'],
      ['$q$ a /* c */ b $q$ AS s', '$q$ a  b $q$ AS s'],
      ["'--x' AS s", "'--y' AS s"],
      ["'/*x*/' AS s", "'/*y*/' AS s"],
      ["E'a\\' b' AS s", "E'a\\'  b' AS s"],
      ["U&'x y' AS s", "U&'x  y' AS s"],
      ["'a' /* -- */ AS s, 'b' AS t", "'a' /* -- */ AS s, 'c' AS t"],
      ["'a' AS s -- /* \n, 'b' AS t", "'a' AS s -- /* \n, 'c' AS t"],
      ["'a' AS s /* /* nested */ , 'b' AS t */ , 'c' AS u", "'a' AS s /* /* nested */ , 'x' AS t */ , 'c' AS u"],
      ["'a' AS s /* /* nested */ */ , 'b' AS t", "'a' AS s /* /* nested */ */ , 'c' AS t"],
    ]
    for (const [a, b] of pairs) {
      const qa = HINT + 'SELECT id, ' + a + tail
      const qb = HINT + 'SELECT id, ' + b + tail
      await run(c, qa, ['1'])
      const x0 = await stats()
      await run(c, qa, ['1'])
      const x1 = await stats()
      const rb = await run(c, qb, ['1'])
      const db = await run(direct, qb, ['1'])
      const hitA = delta(x0, x1).hits === 1
      t.check(`${JSON.stringify(b)} after ${JSON.stringify(a)}: its own result, equal direct`, same(rb, db),
        diff(rb, db) + (hitA ? '' : ` (the first statement did not hit: ${fmt(delta(x0, x1))})`))
    }
    await c.end()
  })

  await group('sqlcommenter comment with a changing traceparent', async (t) => {
    const c = await connect()
    const tp = () => `00-${crypto.randomBytes(16).toString('hex')}-${crypto.randomBytes(8).toString('hex')}-01`
    for (const [label, tag] of [['ttl%3D60', "cachepg='ttl%3D60'"], ['ttl=60', "cachepg='ttl=60'"]]) {
      const base = `SELECT id, name AS "sc ${label}", price FROM items WHERE id = $1`
      const r0 = await ref(base, ['9'])
      const s0 = await stats()
      const out = []
      for (let i = 0; i < 4; i++) out.push(await run(c, `${base} /*${tag},traceparent='${tp()}'*/`, ['9']))
      const d = delta(s0, await stats())
      const wrong = out.find((r) => !same(r, r0))
      t.check(`${label}: 4 runs equal direct`, !wrong, wrong ? diff(wrong, r0) : '')
      t.check(`${label}: stored once, then 3 hits`, d.stores === 1 && d.hits === 3, fmt(d))
    }
    await c.end()
  })

  console.log(`driver: ${passed} passed, ${failed} failed`)
  process.exit(failed ? 1 : 0) // a group that failed half-way may leave its connection open
}

main().catch((e) => {
  console.log(`FAIL driver test aborted: ${e.stack || e.message}`)
  console.log(`driver: ${passed} passed, ${failed + 1} failed`)
  process.exit(1) // connections may still be open
})
