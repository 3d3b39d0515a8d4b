// Owns the shell: the sign-in gate, the header (navigation, connection state, logout) and page routing.
import { ConnectionIndicator } from "./components/connection-indicator.js";
import { Toasts } from "./components/toast.js";
import { ApiKeysPage } from "./pages/api-keys.js";
import { AuditLogPage } from "./pages/audit-log.js";
import { BenchmarksPage } from "./pages/benchmarks.js";
import { ChangePasswordPage, LoginPage } from "./pages/login.js";
import { LogsPage } from "./pages/logs.js";
import { OverviewPage } from "./pages/overview.js";
import { PlaygroundPage } from "./pages/playground.js";
import { RegisterPage } from "./pages/register.js";
import { RequestsPage } from "./pages/requests.js";
import { UsagePage } from "./pages/usage.js";
import { UsersPage } from "./pages/users.js";
import { linkTo, route } from "./router.js";
import { session, signOut } from "./state/session.js";

function NavLink({ path, label }: { path: string; label: string }) {
  const current =
    path === "/" ? route.value === "/" || route.value.startsWith("/endpoints") : route.value.startsWith(path);
  return (
    <a
      {...linkTo(path)}
      class={current ? "nav-link current" : "nav-link"}
      aria-current={current ? "page" : undefined}
    >
      {label}
    </a>
  );
}

function Header({ username, isAdmin }: { username: string; isAdmin: boolean }) {
  return (
    <header class="top">
      <a {...linkTo("/")} class="brand">
        llmlb
      </a>
      <nav class="nav">
        <NavLink path="/" label="Overview" />
        <NavLink path="/requests" label="Requests" />
        {isAdmin && <NavLink path="/playground" label="Playground" />}
        <NavLink path="/benchmarks" label="Benchmarks" />
        {isAdmin && <NavLink path="/logs" label="Logs" />}
        <NavLink path="/usage" label="Usage" />
        <NavLink path="/my-keys" label="My keys" />
        {isAdmin && <NavLink path="/api-keys" label="API keys" />}
        {isAdmin && <NavLink path="/users" label="Users" />}
        {isAdmin && <NavLink path="/audit" label="Audit log" />}
      </nav>
      <div class="top-right">
        <ConnectionIndicator />
        <span class="muted user">{username}</span>
        <button type="button" onClick={() => void signOut()}>
          Log out
        </button>
      </div>
    </header>
  );
}

function Page({ isAdmin }: { isAdmin: boolean }) {
  const path = route.value;
  if (path.startsWith("/requests")) return <RequestsPage />;
  if (path.startsWith("/usage")) return <UsagePage />;
  if (path.startsWith("/my-keys")) return <ApiKeysPage scope="mine" isAdmin={isAdmin} />;
  if (path.startsWith("/api-keys") && isAdmin) return <ApiKeysPage scope="all" isAdmin={isAdmin} />;
  if (path.startsWith("/users") && isAdmin) return <UsersPage />;
  if (path.startsWith("/audit") && isAdmin) return <AuditLogPage />;
  if (path.startsWith("/playground") && isAdmin) return <PlaygroundPage />;
  if (path.startsWith("/benchmarks")) return <BenchmarksPage isAdmin={isAdmin} />;
  if (path.startsWith("/logs") && isAdmin) return <LogsPage />;
  const detail = path.match(/^\/endpoints\/([^/]+)/)?.[1];
  return <OverviewPage detailId={detail ? decodeURIComponent(detail) : null} isAdmin={isAdmin} />;
}

export function App() {
  const user = session.value;
  if (user === undefined) return <main class="center muted">Loading…</main>;
  if (user === null) return route.value.startsWith("/register") ? <RegisterPage /> : <LoginPage />;
  if (user.must_change_password) return <ChangePasswordPage />;
  const isAdmin = user.role === "admin";
  return (
    <>
      <Header username={user.username} isAdmin={isAdmin} />
      <Page isAdmin={isAdmin} />
      <Toasts />
    </>
  );
}
