#!/usr/bin/env node
// A wallet nobody here wrote: the @openid4vc and @sd-jwt libraries, driven from the
// command line. `node wallet.mjs <step>` reads the step's input as JSON on stdin and writes its
// outcome as JSON on stdout:
//
//   receive   {offer, tx_code}                      -> {credential, holder_jwk, verified, ...}
//   authorize {credential_issuer, configuration,    -> {credential, holder_jwk, verified,
//              person_form}                            authorization, ...}
//   verify    {credential}                          -> {header, claims, status, ...}
//   present   {request, credential, holder_jwk,     -> {response_mode, status, answer, ...}
//              trust_anchors, tamper?}
//
// A step that fails writes {"error": {"name", "message", ...}} and exits with status 1: what a
// library refused is the finding, so its words are kept whole.

import { authorize } from './authorization.mjs'
import { verifyCredential } from './credential.mjs'
import { receive } from './issuance.mjs'
import { answer } from './presentation.mjs'

const STEPS = { receive, authorize, verify: ({ credential }) => verifyCredential(credential), present: answer }

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}
}

function described(error) {
  const out = { name: error?.constructor?.name ?? 'Error', message: String(error?.message ?? error) }
  // The libraries attach what they refused: a validation's issues, a server's error response.
  if (error?.zodError?.issues) out.issues = error.zodError.issues
  if (error?.response?.status) out.status = error.response.status
  for (const key of ['errorResponse', 'responseText', 'details', 'cause']) {
    const value = error?.[key]
    if (value !== undefined && value !== null) out[key] = value instanceof Error ? String(value.message) : value
  }
  return out
}

const step = STEPS[process.argv[2]]
if (!step) {
  process.stderr.write(`usage: wallet.mjs ${Object.keys(STEPS).join('|')} < input.json\n`)
  process.exit(2)
}
try {
  process.stdout.write(`${JSON.stringify(await step(await readStdin()))}\n`)
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: described(error) })}\n`)
  process.exitCode = 1
}
