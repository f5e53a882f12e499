// The wallet's cryptography: what the @openid4vc libraries ask their caller for (signing,
// verifying, hashing, encrypting), done with `jose` and node:crypto, and the holder's key.
//
// The libraries hold no keys and pick no algorithms themselves: each step calls back here, so
// this module is the only place the harness touches a key. The @sd-jwt side signs and verifies
// with @sd-jwt/crypto-nodejs (see credential.mjs).

import { X509Certificate, createHash, randomBytes } from 'node:crypto'

import { clientAuthenticationDynamic } from '@openid4vc/oauth2'
import * as jose from 'jose'

// The wallet's client identifier, where an authorization server wants one (a public client).
export const CLIENT_ID = 'pctf-interop-wallet'

/** A new P-256 holder key: the private JWK (the caller keeps it between runs) and its public part. */
export async function newHolderKey() {
  const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true })
  const privateJwk = await jose.exportJWK(privateKey)
  return { privateJwk, publicJwk: publicPart(privateJwk) }
}

export function publicPart(jwk) {
  const { d: _private, ...rest } = jwk
  return rest
}

/** `data` hashed with an algorithm named as IANA does (`sha-256`). */
export function hash(data, alg = 'sha-256') {
  return new Uint8Array(createHash(alg.replace('-', '').toLowerCase()).update(data).digest())
}

/**
 * The callbacks the @openid4vc clients are built with: the wallet signs with `privateJwk` only,
 * and trusts a signed request's certificate chain only when it ends at one of `trustAnchors`
 * (PEM certificates). The library checks the client identifier against the leaf (its SAN DNS
 * names, or its hash); verifying the chain and the signature is the wallet's part.
 */
export function openid4vcCallbacks(privateJwk, { trustAnchors = [] } = {}) {
  const anchors = trustAnchors.map((pem) => new X509Certificate(pem))
  const holder = privateJwk ? jose.calculateJwkThumbprint(publicPart(privateJwk)) : null
  return {
    fetch,
    hash: (data, alg) => hash(data, alg),
    generateRandom: (length) => new Uint8Array(randomBytes(length)),
    // Chosen from the authorization server's metadata: no client authentication at all for a
    // pre-authorized code where it declares `pre-authorized_grant_anonymous_access_supported`,
    // else the method it lists in `token_endpoint_auth_methods_supported` (`none`: the client_id).
    clientAuthentication: clientAuthenticationDynamic({ clientId: CLIENT_ID, clientSecret: '' }),
    signJwt: async (signer, { header, payload }) => {
      if (signer.method !== 'jwk') throw new Error(`the wallet signs with its own JWK, not by '${signer.method}'`)
      if (!holder || (await jose.calculateJwkThumbprint(signer.publicJwk)) !== (await holder)) {
        throw new Error('asked to sign for a key the wallet does not hold')
      }
      const key = await jose.importJWK(privateJwk, signer.alg)
      const jwt = await new jose.SignJWT(payload).setProtectedHeader(header).sign(key)
      return { jwt, signerJwk: signer.publicJwk }
    },
    verifyJwt: async (signer, { compact }) => {
      try {
        if (signer.method === 'jwk') {
          await jose.compactVerify(compact, await jose.importJWK(signer.publicJwk, signer.alg))
          return { verified: true, signerJwk: signer.publicJwk }
        }
        if (signer.method === 'x5c') {
          const leaf = trustedLeaf(signer.x5c, anchors)
          if (!leaf) return { verified: false }
          await jose.compactVerify(compact, leaf.publicKey, { algorithms: [signer.alg] })
          return { verified: true, signerJwk: await jose.exportJWK(leaf.publicKey) }
        }
      } catch {
        // a signature that does not verify, or a key that does not import
      }
      return { verified: false }
    },
    getX509CertificateMetadata: (certificate) => {
      const names = (new X509Certificate(Buffer.from(certificate, 'base64')).subjectAltName ?? '').split(', ')
      const named = (kind) => names.filter((n) => n.startsWith(`${kind}:`)).map((n) => n.slice(kind.length + 1))
      return { sanDnsNames: named('DNS'), sanUriNames: named('URI') }
    },
    // direct_post.jwt (OpenID4VP 8.3): to the verifier's key, with the apu and apv the library chose.
    encryptJwe: async (encryptor, data) => {
      const header = { alg: encryptor.alg, enc: encryptor.enc }
      if (encryptor.publicJwk.kid) header.kid = encryptor.publicJwk.kid
      const parameters = {}
      if (encryptor.apu) parameters.apu = jose.base64url.decode(encryptor.apu)
      if (encryptor.apv) parameters.apv = jose.base64url.decode(encryptor.apv)
      const jwe = await new jose.CompactEncrypt(new TextEncoder().encode(data))
        .setProtectedHeader(header)
        .setKeyManagementParameters(parameters)
        .encrypt(await jose.importJWK(encryptor.publicJwk, encryptor.alg))
      return { jwe, encryptionJwk: encryptor.publicJwk }
    },
    // A wallet receives nothing encrypted in these flows.
    decryptJwe: async () => ({ decrypted: false }),
  }
}

/**
 * The leaf of `x5c` (base64 DER, leaf first) when each certificate is within its validity and
 * signed by the next, every one but the leaf is a CA, and the last is, or is signed by, one of
 * `anchors`; otherwise null.
 */
function trustedLeaf(x5c, anchors) {
  const chain = x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')))
  const now = Date.now()
  for (const [i, cert] of chain.entries()) {
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) return null
    if (i > 0 && !cert.ca) return null
    const issuer = chain[i + 1]
    if (issuer && !(cert.checkIssued(issuer) && cert.verify(issuer.publicKey))) return null
  }
  const last = chain.at(-1)
  const anchored = anchors.some(
    (anchor) =>
      anchor.fingerprint256 === last.fingerprint256 || (last.checkIssued(anchor) && last.verify(anchor.publicKey)),
  )
  return anchored && !chain[0].ca ? chain[0] : null
}
