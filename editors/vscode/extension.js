// The VS Code client of `accessc lsp`: starts the server over stdio for `.access` files.
// Highlighting needs no server (syntaxes/access.tmLanguage.json).
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("accessc").get("path") || "accessc";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "accessc",
    "accessc",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "access" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
