// OpenID4VCI 1.0, pre-authorized code flow, as the @openid4vc/openid4vci client runs it.

import { preAuthorizedCodeGrantIdentifier } from '@openid4vc/oauth2'
import { Openid4vciClient } from '@openid4vc/openid4vci'

import { newHolderKey, openid4vcCallbacks } from './crypto.mjs'
import { verifyCredential } from './credential.mjs'

/**
 * From a credential offer link (by value or by reference) and its transaction code to a verified
 * credential: resolve the offer, fetch the issuer's and its authorization server's metadata,
 * redeem the pre-authorized code, get a nonce, prove possession of a new P-256 key, and receive
 * the credential, which the @sd-jwt libraries then verify.
 */
export async function receive({ offer, tx_code: txCode }) {
  const holder = await newHolderKey()
  const client = new Openid4vciClient({ callbacks: openid4vcCallbacks(holder.privateJwk) })

  const credentialOffer = await client.resolveCredentialOffer(offer)
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
  const { accessTokenResponse, authorizationServer } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    txCode,
  })
  const [configuration] = credentialOffer.credential_configuration_ids
  const credential = await credentialFor(client, {
    issuerMetadata,
    configuration,
    accessToken: accessTokenResponse.access_token,
    holder,
  })

  return {
    credential,
    holder_jwk: holder.privateJwk,
    offer: {
      credential_issuer: credentialOffer.credential_issuer,
      credential_configuration_ids: credentialOffer.credential_configuration_ids,
      tx_code: credentialOffer.grants?.[preAuthorizedCodeGrantIdentifier]?.tx_code ?? null,
    },
    metadata: {
      version: issuerMetadata.originalDraftVersion,
      authorization_server: authorizationServer,
      token_endpoint: issuerMetadata.authorizationServers[0].token_endpoint,
      nonce_endpoint: issuerMetadata.credentialIssuer.nonce_endpoint,
      credential_endpoint: issuerMetadata.credentialIssuer.credential_endpoint,
    },
    token_type: accessTokenResponse.token_type,
    verified: await verifyCredential(credential),
  }
}

/**
 * With an access token, the rest of either flow: a nonce from the nonce endpoint, a `jwt` proof
 * of possession of the holder's key, and the credential of `configuration`.
 */
export async function credentialFor(client, { issuerMetadata, configuration, accessToken, holder }) {
  const { c_nonce: nonce } = await client.requestNonce({ issuerMetadata })
  const proof = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId: configuration,
    nonce,
    signer: { method: 'jwk', alg: 'ES256', publicJwk: holder.publicJwk },
  })
  const { credentialResponse } = await client.retrieveCredentials({
    issuerMetadata,
    accessToken,
    credentialConfigurationId: configuration,
    proofs: { jwt: [proof.jwt] },
  })
  const [{ credential }] = credentialResponse.credentials
  return credential
}
