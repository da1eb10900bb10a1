/**
 * The shared cast of the SAML adapter suites: one test IdP, two connections to it (A and B, different SP entity
 * ids and ACS URLs), a rogue key pair the connections do not pin, and an assertion to reject helper.
 */
import { expect } from "chai";
import { SignInRejected } from "../../../src/sso/identity.js";
import { generateServiceProviderKeyPair, type SamlServiceProvider } from "../../../src/sso/saml/index.js";
import { createTestIdp, makeKeyPair, type KeyPair, type TestIdp } from "./saml-idp.js";

export interface SamlCast {
  idp: TestIdp;
  rogue: KeyPair;
  spA: SamlServiceProvider;
  spB: SamlServiceProvider;
}

export function serviceProvider(name: string, keys: KeyPair): SamlServiceProvider {
  const base = `https://gatehouse.test/auth/saml/${name}`;
  return { entityId: `https://gatehouse.test/saml/${name}`, acsUrl: `${base}/acs`, sloUrl: `${base}/slo`, ...keys };
}

let cast: Promise<SamlCast> | null = null;

/** Keys are made once per mocha run (RSA generation is the slow part). */
export function samlCast(): Promise<SamlCast> {
  cast ??= (async () => ({
    idp: createTestIdp(),
    rogue: makeKeyPair("rogue.example"),
    spA: serviceProvider("conn-a", await generateServiceProviderKeyPair("Gatehouse SAML conn-a")),
    spB: serviceProvider("conn-b", makeKeyPair("gatehouse conn-b")),
  }))();
  return cast;
}

/** Awaits a promise that must reject with SignInRejected(reason). */
export async function expectRejected(promise: Promise<unknown>, reason: string): Promise<SignInRejected> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a SignInRejected("${reason}")`).to.be.instanceOf(SignInRejected);
  const rejection = caught as SignInRejected;
  expect(rejection.reason, rejection.message).to.equal(reason);
  expect(rejection.message).to.not.match(/</, "rejection messages never carry XML");
  return rejection;
}
