import type { ComponentChildren } from 'preact';
import { Layout, type Site, longDate } from './layout.tsx';

// Sign-in, sign-up, reset and account pages. Every form carries the CSRF token.

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/** A plain page for account and mail forms (not indexed). */
export function Page({ site, title, path, children }: { site: Site; title: string; path: string; children: ComponentChildren }) {
  return (
    <Layout site={site} head={{ title: `${title} | ${site.name}`, description: title, path, noindex: true }}>
      <div class="story">{children}</div>
    </Layout>
  );
}

export function Errors({ error }: { error?: string | null }) {
  return error ? <p class="prompt alert" role="alert"><strong>{error}</strong></p> : null;
}


export function LoginPage({ site, csrf, next, error, email, notice }: { site: Site; csrf: string; next: string; error?: string | null; email?: string; notice?: string | null }) {
  return (
    <Page site={site} title="Sign in" path="/login">
      <h1>Sign in</h1>
      {notice ? <p role="status">{notice}</p> : null}
      <Errors error={error} />
      <form method="post" action="/login">
        <Csrf token={csrf} />
        <input type="hidden" name="next" value={next} />
        <label for="email">E-mail address</label>
        <input id="email" name="email" type="email" autocomplete="username" required value={email ?? ''} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button class="btn" type="submit">Sign in</button>
      </form>
      <h2>No password? Get a sign-in link</h2>
      <form method="post" action="/login/link">
        <Csrf token={csrf} />
        <input type="hidden" name="next" value={next} />
        <label for="link-email">E-mail address</label>
        <input id="link-email" name="email" type="email" autocomplete="email" required />
        <button class="btn" type="submit">E-mail me a sign-in link</button>
      </form>
      <p><a href="/reset">Forgot your password?</a> · <a href="/signup">Create an account</a></p>
    </Page>
  );
}

export function SignupPage({ site, csrf, error, email }: { site: Site; csrf: string; error?: string | null; email?: string }) {
  return (
    <Page site={site} title="Create an account" path="/signup">
      <h1>Create an account</h1>
      <p>With an account you can read {site.name}'s free articles in full, a few premium articles each month, and subscribe.</p>
      <Errors error={error} />
      <form method="post" action="/signup">
        <Csrf token={csrf} />
        <label for="email">E-mail address</label>
        <input id="email" name="email" type="email" autocomplete="email" required value={email ?? ''} />
        <label for="password">Password (at least 10 characters; leave empty to sign in with e-mailed links)</label>
        <input id="password" name="password" type="password" autocomplete="new-password" />
        <button class="btn" type="submit">Create account</button>
      </form>
      <p>Already have an account? <a href="/login">Sign in</a></p>
    </Page>
  );
}

export function MessagePage({ site, title, children, path = '/login' }: { site: Site; title: string; children: ComponentChildren; path?: string }) {
  return (
    <Page site={site} title={title} path={path}>
      <h1>{title}</h1>
      {children}
    </Page>
  );
}

/** The page a mailed link opens: only its button (a POST) uses the link, so mail scanners that open links cannot. */
export function ConfirmPage({ site, csrf, action, title, text, button, extra }: { site: Site; csrf: string; action: string; title: string; text: string; button: string; extra?: ComponentChildren }) {
  return (
    <Page site={site} title={title} path="/login">
      <h1>{title}</h1>
      <p>{text}</p>
      <form method="post" action={action}>
        <Csrf token={csrf} />
        {extra}
        <button class="btn" type="submit">{button}</button>
      </form>
    </Page>
  );
}

export function ResetRequestPage({ site, csrf, error }: { site: Site; csrf: string; error?: string | null }) {
  return (
    <Page site={site} title="Reset your password" path="/reset">
      <h1>Reset your password</h1>
      <Errors error={error} />
      <form method="post" action="/reset">
        <Csrf token={csrf} />
        <label for="email">E-mail address</label>
        <input id="email" name="email" type="email" autocomplete="email" required />
        <button class="btn" type="submit">E-mail me a reset link</button>
      </form>
    </Page>
  );
}

export function NewPasswordFields() {
  return (
    <>
      <label for="password">New password (at least 10 characters)</label>
      <input id="password" name="password" type="password" autocomplete="new-password" required minLength={10} />
    </>
  );
}

export interface AccountView {
  email: string;
  name: string | null;
  subscription: { plan: string; endsAt: string; source: string } | null;
  meter: { limit: number; used: number } | null;
  institution: string | null;
  sessions: { id: number; current: boolean; createdAt: string; lastSeenAt: string; userAgent: string | null; ip: string | null }[];
  feedUrl: string | null;
  apiToken: string | null;
  hasPassword: boolean;
}

export function AccountPage({ site, csrf, a, notice, error }: { site: Site; csrf: string; a: AccountView; notice?: string | null; error?: string | null }) {
  return (
    <Page site={site} title="Your account" path="/account">
      <h1>Your account</h1>
      {notice ? <p role="status" class="cite-as">{notice}</p> : null}
      <Errors error={error} />
      <p>Signed in as <strong>{a.email}</strong>.</p>
      <h2>Subscription</h2>
      {a.subscription ? (
        <p>You have the <strong>{a.subscription.plan === 'print-digital' ? 'print and digital' : 'digital'}</strong> plan until <strong>{longDate(a.subscription.endsAt)}</strong>: full text and downloads of the whole archive.</p>
      ) : (
        <>
          <p>You have no current subscription.{a.meter ? ` You have read ${a.meter.used} of ${a.meter.limit} free premium articles this month.` : ''}</p>
          <p><a class="btn" href="/subscribe">Subscribe</a></p>
        </>
      )}
      {a.institution ? <p>Access provided by <strong>{a.institution}</strong> on this network.</p> : null}
      <h3>Redeem a gift code</h3>
      <form method="post" action="/account/gift">
        <Csrf token={csrf} />
        <label for="code">Gift code</label>
        <input id="code" name="code" autocomplete="off" required placeholder="XXXX-XXXX-XXXX-XXXX" />
        <button class="btn" type="submit">Redeem</button>
      </form>
      {a.subscription ? (
        <>
          <h2>Your private full-text feed</h2>
          {a.feedUrl ? (
            <p>Add this address to your feed reader. Keep it private: anyone with it can read your feed. <code class="secret">{a.feedUrl}</code></p>
          ) : <p>A personal RSS feed with the full text of new articles.</p>}
          <form method="post" action="/account/feed">
            <Csrf token={csrf} />
            <button class="btn" type="submit">{a.feedUrl ? 'Replace the feed address (the old one stops working)' : 'Create my feed address'}</button>
          </form>
        </>
      ) : null}
      <h2>E-mail alerts and the issue mail</h2>
      <p><a href="/account/mail">Your follows, saved searches and mail settings</a> (how often, plain text only, the monthly table of contents).</p>
      <h2>Personal API token</h2>
      {a.apiToken ? <p>Your new token (shown once): <code class="secret">{a.apiToken}</code>. Send it as <code>Authorization: Bearer …</code>.</p> : <p>For scripts and research tools: the JSON API with your access.</p>}
      <form method="post" action="/account/api-token">
        <Csrf token={csrf} />
        <button class="btn secondary" type="submit">Create a new token (earlier ones stop working)</button>
      </form>
      <h2>Where you are signed in</h2>
      <table>
        <thead><tr><th scope="col">Device</th><th scope="col">Last seen</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
        <tbody>
          {a.sessions.map((s) => (
            <tr>
              <td>{(s.userAgent ?? 'Unknown device').slice(0, 60)}{s.current ? ' (this device)' : ''}</td>
              <td>{longDate(s.lastSeenAt)}</td>
              <td>
                <form method="post" action={`/account/sessions/${s.id}/delete`}>
                  <Csrf token={csrf} />
                  <button class="btn secondary" type="submit">Sign out<span class="visually-hidden"> this session</span></button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action="/logout/everywhere" class="spaced">
        <Csrf token={csrf} />
        <button class="btn secondary" type="submit">Sign out everywhere</button>
      </form>
      <h2>Change your e-mail address</h2>
      <form method="post" action="/account/email">
        <Csrf token={csrf} />
        <label for="new-email">New e-mail address</label>
        <input id="new-email" name="email" type="email" autocomplete="email" required />
        <button class="btn" type="submit">Send a confirmation to the new address</button>
      </form>
      <h2>{a.hasPassword ? 'Change your password' : 'Set a password'}</h2>
      <form method="post" action="/account/password">
        <Csrf token={csrf} />
        {a.hasPassword ? (
          <>
            <label for="current">Current password</label>
            <input id="current" name="current" type="password" autocomplete="current-password" required />
          </>
        ) : null}
        <NewPasswordFields />
        <button class="btn" type="submit">Save password</button>
      </form>
      <form method="post" action="/logout" class="spaced">
        <Csrf token={csrf} />
        <button class="btn" type="submit">Sign out</button>
      </form>
    </Page>
  );
}
