"""The person's agent: holder keys, credentials received over OpenID4VCI, consent, OpenID4VP."""
