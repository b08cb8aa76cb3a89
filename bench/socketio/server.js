// Reference Socket.IO server for scripts/bench-chat: the room broadcast the
// original products ran, in idiomatic Socket.IO 4, driven by the same load
// generator as Moa (`moa-loadgen --protocol socketio`).
//
// A client joins the room named in its handshake query (?room=NAME); a "send"
// event ({id, body}) goes to everyone else in the room as "message" and is
// acknowledged to the sender. Nothing is stored.
//
// PORT from the environment or the first argument (default 3000).
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || process.argv[2] || 3000);
const httpServer = http.createServer();
const io = new Server(httpServer, {
  // Compression off: Moa does not compress frames either, so both servers do
  // the same work per message.
  perMessageDeflate: false,
  serveClient: false,
});

io.on("connection", (socket) => {
  const room = String(socket.handshake.query.room || "lobby");
  socket.join(room);
  socket.on("send", (msg, ack) => {
    const message = {
      id: msg.id,
      room_id: room,
      sender_id: socket.id,
      body: msg.body,
      created_at: Date.now(),
    };
    socket.to(room).emit("message", message);
    if (typeof ack === "function") ack({ id: msg.id, created_at: message.created_at });
  });
});

httpServer.listen(port, process.env.HOST || "127.0.0.1", () => {
  console.error(`socket.io ${require("socket.io/package.json").version} listening on ${port}`);
});
