// SD-JWT VC with the @sd-jwt libraries: verify a credential against the keys its issuer
// publishes, read its status from the issuer's Token Status List, and present it with a key
// binding JWT.

import { KBJwt } from '@sd-jwt/core'
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs'
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import * as jose from 'jose'

/**
 * The SD-JWT VC issuer metadata URL of `iss` (draft-ietf-oauth-sd-jwt-vc, 4): the well-known
 * segment goes between the host and the issuer's path.
 */
export function issuerMetadataUrl(iss) {
  const url = new URL(iss)
  const path = url.pathname === '/' ? '' : url.pathname
  return `${url.origin}/.well-known/jwt-vc-issuer${path}`
}

/** The issuer's published keys, refused unless the document names `iss` itself and holds `jwks`. */
export async function issuerKeys(iss) {
  const where = issuerMetadataUrl(iss)
  const answer = await fetch(where, { headers: { Accept: 'application/json' } })
  if (!answer.ok) throw new Error(`${where} answered ${answer.status}`)
  const metadata = await answer.json()
  if (metadata.issuer !== iss) throw new Error(`${where} names issuer '${metadata.issuer}', not '${iss}'`)
  if (!metadata.jwks || metadata.jwks_uri) throw new Error(`${where} must hold jwks by value, and only that`)
  return metadata.jwks.keys
}

/** An @sd-jwt verifier over `keys`: the key the JWS header's `kid` names, ES256 only. */
function verifierFor(keys) {
  return async (data, signature) => {
    const header = jose.decodeProtectedHeader(`${data}.`)
    if (header.alg !== 'ES256') return false
    const key = keys.find((k) => k.kid === header.kid)
    if (!key) return false
    return (await ES256.getVerifier(key))(data, signature)
  }
}

/** A key binding JWT verifier: the key the credential's `cnf.jwk` holds. */
async function holderVerifier(data, signature, payload) {
  const jwk = payload?.cnf?.jwk
  if (!jwk) return false
  return (await ES256.getVerifier(jwk))(data, signature)
}

function instance(config = {}) {
  return new SDJwtVcInstance({ hasher: digest, hashAlg: 'sha-256', saltGenerator: generateSalt, ...config })
}

/**
 * Verify `credential` as a holder receiving it would: the issuer's signature with the key its
 * metadata publishes, the disclosures, `exp`/`nbf`, and its status (valid only). Returns what the
 * libraries read: header, claims, and the status list entry.
 */
export async function verifyCredential(credential) {
  const unverified = await instance().decode(credential)
  const iss = unverified.jwt.payload.iss
  const keys = await issuerKeys(iss)
  // The library's own status list fetcher (it asks for application/statuslist+jwt and refuses any
  // other content type) and validator (anything but 0, valid, is refused).
  const sdjwt = instance({ verifier: verifierFor(keys), kbVerifier: holderVerifier })
  const verified = await sdjwt.verify(credential, { requiredClaimKeys: ['vct', 'iss', 'cnf'] })
  const reference = verified.payload.status?.status_list
  let status = null
  if (reference) {
    // Read again, to report the entry the library accepted.
    const token = await (await fetch(reference.uri, { headers: { Accept: 'application/statuslist+jwt' } })).text()
    status = {
      uri: reference.uri,
      idx: reference.idx,
      value: getListFromStatusListJWT(token).getStatus(reference.idx),
      token_typ: jose.decodeProtectedHeader(token).typ,
      token_sub: jose.decodeJwt(token).sub,
    }
  }
  return { header: verified.header, claims: verified.payload, status, issuer_keys: keys.map((k) => k.kid) }
}

/**
 * The @sd-jwt presentation frame that reveals the claims at `paths` (DCQL claim paths, names
 * only): a path to an object asks for all of it, so every disclosure nested under it is revealed too.
 */
async function frameFor(credential, paths) {
  const presentable = await instance().presentableKeys(credential)
  const frame = {}
  for (const path of paths) {
    const prefix = path.join('.')
    for (const key of presentable.filter((k) => k === prefix || k.startsWith(`${prefix}.`))) {
      let node = frame
      const names = key.split('.')
      for (const name of names.slice(0, -1)) {
        if (node[name] === true || node[name] === undefined) node[name] = {}
        node = node[name]
      }
      if (node[names.at(-1)] === undefined) node[names.at(-1)] = true
    }
  }
  return frame
}

/**
 * A presentation of `credential` revealing the claims at `paths`, bound to the verifier by a
 * key binding JWT (`aud`, `nonce`).
 */
export async function present(credential, paths, { holderJwk, aud, nonce }) {
  const sdjwt = instance({ kbSigner: await ES256.getSigner(holderJwk), kbSignAlg: 'ES256' })
  return sdjwt.present(credential, await frameFor(credential, paths), {
    kb: { payload: { iat: Math.floor(Date.now() / 1000), aud, nonce } },
  })
}

/**
 * A presentation like :func:`present` makes, by a holder who changed the value of the first
 * disclosed claim before signing the key binding JWT (so `sd_hash` covers the altered form).
 * The credential's signed digests no longer reference that disclosure: a verifier must refuse it.
 */
export async function presentTampered(credential, paths, { holderJwk, aud, nonce }) {
  const presented = await instance().present(credential, await frameFor(credential, paths))
  const [jwt, ...disclosures] = presented.split('~').slice(0, -1)
  const [salt, name, value] = JSON.parse(new TextDecoder().decode(jose.base64url.decode(disclosures[0])))
  disclosures[0] = jose.base64url.encode(JSON.stringify([salt, name, `${value} (altered)`]))
  const altered = `${[jwt, ...disclosures].join('~')}~`
  const kb = new KBJwt({
    header: { typ: 'kb+jwt', alg: 'ES256' },
    payload: {
      iat: Math.floor(Date.now() / 1000),
      aud,
      nonce,
      sd_hash: jose.base64url.encode(digest(altered, 'sha-256')),
    },
  })
  return `${altered}${await kb.sign(await ES256.getSigner(holderJwk))}`
}
