import { startInferenceServer } from "./test/fixtures/fake-inference.ts";
const s = await startInferenceServer("ollama", { models: ["llama3.2:3b"], port: 11434, scripts: { default: { tokensPerSec: 80, ttftMs: 150, outputTokens: 64 } } });
console.log("fake at", s.url);
setInterval(() => {}, 1000);
