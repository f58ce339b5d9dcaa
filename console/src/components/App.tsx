import { useState } from "preact/hooks";
import { session } from "../api";
import { Console } from "./Console";
import { Login } from "./Login";

/** The login until there is a session, then the console; an ended session brings the login back. */
export function App() {
  const [token, setToken] = useState<string | null>(session.get());
  const [why, setWhy] = useState("");
  if (token === null) {
    return (
      <Login
        why={why}
        loggedIn={(t) => {
          session.set(t);
          setToken(t);
        }}
      />
    );
  }
  return (
    <Console
      token={token}
      loggedOut={(reason) => {
        session.clear();
        setWhy(reason);
        setToken(null);
      }}
    />
  );
}
