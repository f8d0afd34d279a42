#!/usr/bin/env node
// Runs IAM request simulations over accessc's generated policies with
// @cloud-copilot/iam-simulate (installed by .ci/simulate.sh; not part of the product).
//
// usage: node run.mjs CASES.json...
// A cases file: { "base": "out", "cases": [ { "name", "identity": [paths], "boundary": path,
//   "trust": path, "resource": path, "defaults": {request fields}, "requests": [
//   { "name", "principal", "action", "resource", "accountId"?, "principalTags"?: {k: v},
//     "context"?: {k: v}, "expect": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" } ] } ] }
// Paths are relative to the cases file's folder joined with "base". Requests for sts:AssumeRole,
// sts:AssumeRoleWithWebIdentity and sts:TagSession are evaluated against the trust policy (the
// role's resource policy) alone; others against identity + boundary (+ resource) policies.
// Exit 0 when every expectation holds, 1 otherwise, 2 on unreadable input.

import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const here = path.dirname(new URL(import.meta.url).pathname)
const nodeDir = process.env.ACCESSC_SIMULATE_NODE || here
const require = createRequire(path.join(nodeDir, 'package.json'))
let sim
try {
  sim = await import(pathToFileURL(require.resolve('@cloud-copilot/iam-simulate')).href)
} catch (e) {
  console.error(`cannot load @cloud-copilot/iam-simulate from ${nodeDir}: ${e.message}`)
  process.exit(2)
}

const TRUST_ACTIONS = new Set(['sts:assumerole', 'sts:assumerolewithwebidentity', 'sts:tagsession'])
const files = process.argv.slice(2)
if (files.length === 0) {
  console.error('usage: node run.mjs CASES.json...')
  process.exit(2)
}

let passed = 0
let failed = 0
for (const file of files) {
  let spec
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (e) {
    console.error(`cannot read ${file}: ${e.message}`)
    process.exit(2)
  }
  const base = path.resolve(path.dirname(file), spec.base || '.')
  const load = (p) => JSON.parse(fs.readFileSync(path.join(base, p), 'utf8'))
  for (const c of spec.cases) {
    let identity, boundary, trust, resource
    try {
      identity = (c.identity || []).map((p) => ({ name: path.basename(p), policy: load(p) }))
      boundary = c.boundary ? [{ name: path.basename(c.boundary), policy: load(c.boundary) }] : undefined
      trust = c.trust ? load(c.trust) : undefined
      resource = c.resource ? load(c.resource) : undefined
    } catch (e) {
      console.log(`FAIL  ${c.name}: cannot load policies: ${e.message}`)
      failed += (c.requests || []).length
      continue
    }
    for (const r0 of c.requests || []) {
      const r = { ...(c.defaults || {}), ...r0 }
      const tags = { ...((c.defaults || {}).principalTags || {}), ...(r0.principalTags || {}) }
      const context = { ...((c.defaults || {}).context || {}), ...(r0.context || {}) }
      for (const [k, v] of Object.entries(tags)) context[`aws:PrincipalTag/${k}`] = v
      const isTrust = trust && TRUST_ACTIONS.has(String(r.action).toLowerCase())
      const accountId = r.accountId || String(r.resource).split(':')[4] || '111122223333'
      const simulation = {
        request: { principal: r.principal, action: r.action, resource: { resource: r.resource, accountId }, contextVariables: context },
        identityPolicies: isTrust ? [] : identity,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: isTrust ? trust : resource,
        permissionBoundaryPolicies: isTrust ? undefined : boundary
      }
      let got
      try {
        const res = await sim.runSimulation(simulation, {})
        got = res.resultType === 'error' ? `Error ${JSON.stringify(res.errors)}` : res.overallResult
      } catch (e) {
        got = `Error ${e.message}`
      }
      const label = `${c.name} / ${r.name}`
      if (got === r.expect) {
        passed++
        console.log(`ok    ${label}: ${got}`)
      } else {
        failed++
        console.log(`FAIL  ${label}: expected ${r.expect}, got ${got}`)
      }
    }
  }
}
console.log(`simulate: ${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
