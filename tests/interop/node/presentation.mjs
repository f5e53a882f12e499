// OpenID4VP 1.0 as the @openid4vc/openid4vp client runs it: parse and validate a request, answer
// its DCQL query with SD-JWT VC presentations (@sd-jwt), and post the response, in plain
// (`direct_post`) or encrypted to the verifier (`direct_post.jwt`).

import { randomBytes } from 'node:crypto'

import { Openid4vpClient } from '@openid4vc/openid4vp'
import * as jose from 'jose'

import { openid4vcCallbacks } from './crypto.mjs'
import { present, presentTampered } from './credential.mjs'

// What this wallet can do when it answers encrypted (the library checks the verifier's choices
// against these): ECDH-ES key agreement, AES-GCM content encryption.
const ENCRYPTION = {
  authorization_signing_alg_values_supported: [],
  authorization_encryption_alg_values_supported: ['ECDH-ES'],
  authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'],
}

/** The credential queries of `dcql` that `credential` (an SD-JWT VC of type `vct`) answers. */
function matching(dcql, vct) {
  return dcql.credentials.filter(
    (query) => query.format === 'dc+sd-jwt' && (query.meta?.vct_values ?? []).includes(vct),
  )
}

/**
 * Answer the OpenID4VP request `request` (an `openid4vp://` link) with `credential`, held with
 * `holder_jwk`; a signed request's certificates must chain to `trust_anchors` (PEM). With
 * `tamper: "disclosure"`, the wallet changes a disclosed claim's value before it signs the key
 * binding JWT (the verifier must find the disclosure references nothing).
 */
export async function answer({ request, credential, holder_jwk: holderJwk, trust_anchors: trustAnchors, tamper }) {
  const client = new Openid4vpClient({ callbacks: openid4vcCallbacks(holderJwk, { trustAnchors }) })
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: request })
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
  })
  const payload = resolved.authorizationRequestPayload
  const vct = jose.decodeJwt(credential.split('~')[0]).vct
  const queries = matching(resolved.dcql.query, vct)
  if (queries.length === 0) throw new Error(`no credential query of this request asks for ${vct}`)

  // OpenID4VP 1.0 B.3.6: the key binding JWT's aud is the client identifier, prefix included.
  const binding = { holderJwk, aud: resolved.client.effective, nonce: payload.nonce }
  const vpToken = {}
  for (const query of queries) {
    const paths = (query.claims ?? []).map((claim) => claim.path)
    vpToken[query.id] = [
      tamper === 'disclosure'
        ? await presentTampered(credential, paths, binding)
        : await present(credential, paths, binding),
    ]
  }

  const encrypted = payload.response_mode === 'direct_post.jwt'
  const response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: payload,
    authorizationResponsePayload: { vp_token: vpToken },
    // The wallet's own nonce goes into the key agreement as apu (the request's nonce as apv).
    jarm: encrypted
      ? { encryption: { nonce: jose.base64url.encode(randomBytes(16)) }, serverMetadata: ENCRYPTION }
      : undefined,
  })
  const submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: payload,
    authorizationResponsePayload: response.authorizationResponsePayload,
    jarm: response.jarm ? { responseJwt: response.jarm.responseJwt } : undefined,
  })
  const body = await submitted.response.text()
  let answerBody
  try {
    answerBody = JSON.parse(body)
  } catch {
    answerBody = body
  }
  return {
    version: resolved.version,
    signed: resolved.jar ? { send_by: resolved.jar.sendBy, typ: resolved.jar.jwt.header.typ } : null,
    client: { prefix: resolved.client.prefix, effective: resolved.client.effective },
    response_mode: submitted.responseMode,
    encrypted_header: response.jarm ? jose.decodeProtectedHeader(response.jarm.responseJwt) : null,
    disclosed: Object.fromEntries(
      Object.entries(vpToken).map(([id, [presentation]]) => [id, disclosedClaims(presentation)]),
    ),
    status: submitted.response.status,
    answer: answerBody,
  }
}

/** The claim names a presentation's disclosures reveal. */
function disclosedClaims(presentation) {
  const parts = presentation.split('~').slice(1, -1)
  return parts.map((part) => JSON.parse(new TextDecoder().decode(jose.base64url.decode(part)))[1])
}
