import { useState } from "preact/hooks";
import { logIn } from "../api";
import { prepareAlerts } from "../alerts";

export function Login({ why, loggedIn }: { why: string; loggedIn: (token: string) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(why);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    prepareAlerts();
    setBusy(true);
    try {
      loggedIn((await logIn(email, password)).token);
    } catch (problem) {
      setError(problem instanceof Error ? problem.message : String(problem));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form id="login" onSubmit={submit}>
      <h2>Switchboard</h2>
      <label>
        E-mail
        <input id="email" type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </label>
      <label>
        Password
        <input
          id="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      <button disabled={busy}>Log in</button>
      <div id="loginError" class="muted" role="alert">
        {error}
      </div>
    </form>
  );
}
