// OpenID4VCI 1.0, the authorization code flow a wallet starts itself (no offer): the
// @openid4vc/oauth2 client pushes its authorization request (PAR, with PKCE), the person proves
// who they are on the issuer's page (here the harness plays their browser), and the
// @openid4vc/openid4vci client exchanges the code and its verifier for an access token, then
// for the credential.

import { randomBytes } from 'node:crypto'

import { Oauth2Client, authorizationCodeGrantIdentifier } from '@openid4vc/oauth2'
import { Openid4vciClient } from '@openid4vc/openid4vci'
import { base64url } from 'jose'

import { CLIENT_ID, newHolderKey, openid4vcCallbacks } from './crypto.mjs'
import { verifyCredential } from './credential.mjs'
import { credentialFor } from './issuance.mjs'

// Where the issuer sends the person's browser back: the wallet's own page (never fetched here).
const REDIRECT_URI = 'https://wallet.example/callback'

/**
 * Ask `credential_issuer` for the credential `configuration` as a wallet the person installed:
 * the person's answers on the authorization page are `person_form` (its field names).
 */
export async function authorize({ credential_issuer: credentialIssuer, configuration, person_form: personForm }) {
  const holder = await newHolderKey()
  const callbacks = openid4vcCallbacks(holder.privateJwk)
  const client = new Openid4vciClient({ callbacks })
  const state = base64url.encode(randomBytes(16))
  const issuerMetadata = await client.resolveIssuerMetadata(credentialIssuer)
  // The library's OpenID4VCI client starts from an offer: a wallet that starts alone makes one
  // with no code. It would not send a `state` (0.4.6 drops it), so the request is pushed by its
  // OAuth 2.0 client, which does: the wallet binds the answer to its request with it.
  const credentialOffer = {
    credential_issuer: credentialIssuer,
    credential_configuration_ids: [configuration],
    grants: { [authorizationCodeGrantIdentifier]: {} },
  }
  const [authorizationServerMetadata] = issuerMetadata.authorizationServers
  const started = await new Oauth2Client({ callbacks }).initiateAuthorization({
    authorizationServerMetadata,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT_URI,
    scope: issuerMetadata.credentialIssuer.credential_configurations_supported[configuration].scope,
    resource: credentialIssuer,
    state,
  })

  const redirect = await personAnswers(started.authorizationRequestUrl, personForm)
  const authorizationResponse = client.parseAndVerifyAuthorizationResponseRedirectUrl({
    url: redirect,
    authorizationServerMetadata,
  })
  if (authorizationResponse.error) throw new Error(`authorization refused: ${authorizationResponse.error}`)
  if (authorizationResponse.state !== state) throw new Error(`the answer's state is not the request's`)

  const { accessTokenResponse } = await client.retrieveAuthorizationCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    authorizationCode: authorizationResponse.code,
    pkceCodeVerifier: started.pkce?.codeVerifier,
    redirectUri: REDIRECT_URI,
  })
  const credential = await credentialFor(client, {
    issuerMetadata,
    configuration,
    accessToken: accessTokenResponse.access_token,
    holder,
  })
  return {
    credential,
    holder_jwk: holder.privateJwk,
    authorization: {
      authorization_request_url: started.authorizationRequestUrl,
      pkce_method: started.pkce?.codeChallengeMethod ?? null,
      redirect,
      iss: authorizationResponse.iss ?? null,
    },
    token_type: accessTokenResponse.token_type,
    verified: await verifyCredential(credential),
  }
}

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#34;': '"', '&#39;': "'" }
const unescape = (text) => text.replace(/&(amp|lt|gt|quot|#34|#39);/g, (entity) => ENTITIES[entity])

/**
 * The person's browser: open the authorization page, fill its form with `fields` beside the
 * page's own hidden ones, submit it from the page's origin, and return where the issuer sends it.
 */
async function personAnswers(url, fields) {
  const page = await fetch(url, { headers: { Accept: 'text/html' } })
  const html = await page.text()
  if (!page.ok) throw new Error(`the authorization page answered ${page.status}: ${html.slice(0, 500)}`)
  const action = html.match(/<form method="post" action="([^"]+)"/)?.[1]
  if (!action) throw new Error(`the authorization page holds no form: ${html.slice(0, 500)}`)
  const form = new URLSearchParams()
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(unescape(name), unescape(value))
  }
  for (const [name, value] of Object.entries(fields)) form.set(name, value)
  const target = new URL(unescape(action), url)
  const answer = await fetch(target, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: target.origin },
    body: form.toString(),
  })
  const location = answer.headers.get('location')
  if (answer.status !== 303 || !location) {
    const body = await answer.text()
    const reason = body.match(/data-reason="([^"]+)"/)?.[1]
    throw new Error(`the authorization page answered ${answer.status}${reason ? ` (${reason})` : ''}`)
  }
  return location
}
