// Bench preload (`node --import`): a server that listens on a port without naming a host binds 127.0.0.1
// instead of every interface. The Portkey peer's start-server.js calls serve({port}) with no hostname option.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first] = args;
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    const rest = args.slice(1);
    // listen(port, host?, …): keep an explicit host, put 127.0.0.1 where none was given.
    if (typeof rest[0] === "string") return listen.apply(this, args);
    return listen.call(this, Number(first), "127.0.0.1", ...rest);
  }
  if (first && typeof first === "object" && first.port !== undefined && first.host === undefined)
    args[0] = { ...first, host: "127.0.0.1" };
  return listen.apply(this, args);
};
