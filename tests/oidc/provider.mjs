// A real OpenID Connect provider for the tests (oidc-provider, pinned in package.json):
// one confidential client that must use PKCE, and static accounts with a verified email
// and groups, like a council's directory. Development mode allows http on localhost.
//
//   node tests/oidc/provider.mjs PORT REDIRECT_URI POST_LOGOUT_URI
//
// Prints "ready ISSUER" once it listens. Its sign-in page (devInteractions) takes the
// account's id as the login and any password. Nothing here is for production.
import * as oidc from "oidc-provider";

const [port, redirectUri, postLogoutUri] = process.argv.slice(2);
const issuer = `http://localhost:${port}`;

export const CLIENT_ID = "ehc-tests";
export const CLIENT_SECRET = "a-test-client-secret-of-enough-length";

const ACCOUNTS = {
  // Has an account in the app, made by an administrator: matched by verified email.
  officer: { email: "sso.officer@council.example", name: "Sso Officer", groups: ["staff"] },
  // Has no account in the app: the council's role map makes one from the group.
  manager: { email: "sso.manager@council.example", name: "Sso Manager", groups: ["staff", "ehc-managers"] },
  // Known to the council's directory, but not to the app, and in no mapped group.
  stranger: { email: "stranger@council.example", name: "Sam Stranger", groups: ["staff"] },
};

const provider = new oidc.Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [postLogoutUri],
      token_endpoint_auth_method: "client_secret_post",
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  pkce: { required: () => true }, // a code without its verifier is refused
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "groups"],
  },
  conformIdTokenClaims: false, // the scopes' claims in the ID token, as Entra ID does
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  // The council has consented for its staff: no consent page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    grant.addOIDCClaims(["email", "email_verified", "name", "groups"]);
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email_verified: true, ...account };
      },
    };
  },
});

provider.listen(Number(port), "localhost", () => {
  console.log(`ready ${issuer}`);
});
