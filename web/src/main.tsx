// Dashboard entry: mounts the app shell. Panels are added by the dashboard work (issue 9).
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";

function App() {
  const [health, setHealth] = useState<"checking" | "ok" | "unreachable">("checking");
  useEffect(() => {
    fetch("/health")
      .then((response) => setHealth(response.ok ? "ok" : "unreachable"))
      .catch(() => setHealth("unreachable"));
  }, []);
  return (
    <main>
      <h1>llmlb</h1>
      <p>Balancer: {health}</p>
    </main>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
