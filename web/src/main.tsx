// Dashboard entry: styles, the session check, and the app mounted on #app.
import { render } from "preact";
import { App } from "./app.js";
import { checkSession } from "./state/session.js";
import "./styles/theme.css";
import "./styles/layout.css";
import "./styles/overlays.css";
import "./styles/tables.css";
import "./styles/forms.css";
import "./styles/playground.css";
import "./styles/usage.css";
import "./styles/phone.css";
import "./styles/team.css";

void checkSession();
const root = document.getElementById("app");
if (root) render(<App />, root);
