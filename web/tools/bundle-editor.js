#!/usr/bin/env node
// Bundles the scenario editor (web/editor/entry.js and CodeMirror 6 from web/node_modules) into
// one minified classic script that sets window.FdlabCodeMirror, so the page still loads only
// plain scripts and works offline and from file:// (docs/decisions.md, "The scenario editor").
// Usage: bundle-editor.js ENTRY OUT
'use strict';
const path = require('path');

let esbuild;
try {
  esbuild = require('esbuild');
} catch (e) {
  console.error('bundle-editor: esbuild is missing: run `npm ci` in web/ (scripts/setup does)');
  process.exit(1);
}

const [entry, out] = process.argv.slice(2);
if (!entry || !out) {
  console.error('usage: bundle-editor.js ENTRY OUT');
  process.exit(2);
}
esbuild.build({
  entryPoints: [entry], outfile: out, bundle: true, format: 'iife', globalName: 'FdlabCodeMirror',
  minify: true, target: ['es2020'], logLevel: 'warning', absWorkingDir: path.resolve(__dirname, '..'),
  banner: { js: '/* The fdlab scenario editor: CodeMirror 6 (MIT licence, Marijn Haverbeke and others), ' +
                'bundled from web/node_modules by web/tools/bundle-editor.js. */' },
}).catch(() => process.exit(1));
