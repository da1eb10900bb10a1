/** The SAML adapter's public surface for the sign-in pipeline, the /auth router and the Admin API. */
export { createSamlAdapter, type SamlAdapter } from "./adapter.js";
export { generateServiceProviderKeyPair } from "./certificates.js";
export type { SamlHttpMessage } from "./logout.js";
export { serviceProviderMetadata, settingsFromIdpMetadata } from "./metadata.js";
export { SAML_REJECTION_REASONS, type SamlRejectionReason } from "./reasons.js";
export { parseSamlSettings, type SamlServiceProvider, type SamlSettings } from "./settings.js";
