// Prints the HL7 v2 messages a test file writes as string literals, for the
// unseen measures (bench/hl7v2-unseen.sh reads JavaScript and TypeScript,
// bench/hl7v2-hapi.sh Java): the file is read as text and tokenised here
// (never loaded, compiled or run). A message is a literal, or literals joined
// by "+", whose value starts with MSH, FHS or BHS and a field separator (any
// character but a letter, digit or white space) and holds a second segment
// after a CR or LF; JavaScript templates with ${...} and Java text blocks are
// left out. Each message is written to DIR as NAME__N.hl7, its escapes decoded
// as the file's language does ('\r' is a CR).
//
//   node bench/hl7-literals.js FILE DIR NAME [TALLY]
//
// With TALLY, a line is appended to that file for each literal that opens a
// message but is left out, and why: "built at run time" (joined by "+" to
// something that is not a literal, or a template), "one segment" (no second
// segment: a header alone, or a piece a test joins at run time).
'use strict';
const fs = require('fs');
const path = require('path');

const [file, dir, name, tally] = process.argv.slice(2);
const src = fs.readFileSync(file, 'utf8');
const java = /\.java$/.test(file);

// cook decodes a literal's escapes as the file's language does: Java's
// octal escapes (\0 to \377) and \s, JavaScript's \x, \u{...}, \v and line
// continuations.
function cook(body) {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') { out += c; continue; }
    const n = body[++i];
    if (java) {
      const oct = /^[0-3]?[0-7]{1,2}|^[0-7]/.exec(body.slice(i, i + 3));
      if (oct) { out += String.fromCharCode(parseInt(oct[0], 8)); i += oct[0].length - 1; continue; }
      const simple = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', s: ' ' };
      if (n in simple) { out += simple[n]; continue; }
      if (n === 'u') {
        while (body[i + 1] === 'u') i++; // Java allows \uuuu0041
        out += String.fromCharCode(parseInt(body.substr(i + 1, 4), 16)); i += 4; continue;
      }
      out += n;
      continue;
    }
    const simple = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', 0: '\0' };
    if (n in simple && !(n === '0' && /[0-9]/.test(body[i + 1] || ''))) { out += simple[n]; continue; }
    if (n === 'x') { out += String.fromCharCode(parseInt(body.substr(i + 1, 2), 16)); i += 2; continue; }
    if (n === 'u' && body[i + 1] === '{') {
      const end = body.indexOf('}', i);
      out += String.fromCodePoint(parseInt(body.slice(i + 2, end), 16)); i = end; continue;
    }
    if (n === 'u') { out += String.fromCharCode(parseInt(body.substr(i + 1, 4), 16)); i += 4; continue; }
    if (n === '\r' && body[i + 1] === '\n') { i++; continue; } // line continuation
    if (n === '\n' || n === '\r' || n === '\u2028' || n === '\u2029') continue;
    out += n;
  }
  return out;
}

// Tokens: string literals (with their cooked value, or dynamic: a template
// or a text block, kept raw to be tallied), "+", and anything else as a
// separator. Comments and JavaScript's regular expressions are skipped;
// Java has none, and its '"' is a character literal, read as a string here.
const tokens = [];
let prev = ''; // the last significant character, to tell a regex from division
for (let i = 0; i < src.length;) {
  const c = src[i];
  if (c === '/' && src[i + 1] === '/') { i = src.indexOf('\n', i); if (i < 0) break; continue; }
  if (c === '/' && src[i + 1] === '*') { i = src.indexOf('*/', i + 2); if (i < 0) break; i += 2; continue; }
  if (!java && c === '/' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev))) {
    let j = i + 1, cls = false;
    for (; j < src.length && src[j] !== '\n'; j++) {
      if (src[j] === '\\') { j++; continue; }
      if (src[j] === '[') cls = true; else if (src[j] === ']') cls = false;
      else if (src[j] === '/' && !cls) break;
    }
    i = j + 1; prev = ')'; tokens.push({ other: true }); continue;
  }
  if (java && src.startsWith('"""', i)) {
    const end = src.indexOf('"""', i + 3);
    const j = end < 0 ? src.length : end;
    tokens.push({ dynamic: src.slice(i + 3, j).replace(/^[ \t]*\r?\n\s*/, '') });
    i = j + 3; prev = ')'; continue;
  }
  if (c === '"' || c === "'" || (!java && c === '`')) {
    let j = i + 1, dynamic = false;
    for (; j < src.length && src[j] !== c; j++) {
      if (src[j] === '\\') j++;
      else if (c === '`' && src[j] === '$' && src[j + 1] === '{') dynamic = true;
    }
    const body = src.slice(i + 1, j);
    tokens.push(dynamic ? { dynamic: body } : { value: cook(body) });
    i = j + 1; prev = ')'; continue;
  }
  if (/\s/.test(c)) { i++; continue; }
  if (c === '+') { tokens.push({ plus: true }); prev = '+'; i++; continue; }
  tokens.push({ other: true }); prev = c; i++;
}

const opens = /^(MSH|FHS|BHS)([^A-Za-z0-9\s])/;
function leftOut(why) {
  if (tally) fs.appendFileSync(tally, `${why}\t${name}\n`);
}

let n = 0;
for (let i = 0; i < tokens.length; i++) {
  if (tokens[i].dynamic !== undefined) {
    if (opens.test(tokens[i].dynamic)) leftOut('built at run time');
    continue;
  }
  if (tokens[i].value === undefined) continue;
  let value = tokens[i].value;
  let j = i;
  while (tokens[j + 1] && tokens[j + 1].plus && tokens[j + 2] && tokens[j + 2].value !== undefined) {
    value += tokens[j + 2].value;
    j += 2;
  }
  const head = opens.exec(value);
  if (head && (i === 0 || !tokens[i - 1].plus)) {
    // A literal followed by "+" and something that is not a literal is built
    // at run time: left out.
    const segment = new RegExp(`[\\r\\n][A-Z][A-Z0-9]{2}\\${head[2]}`);
    if (tokens[j + 1] && tokens[j + 1].plus) leftOut('built at run time');
    else if (!segment.test(value)) leftOut('one segment');
    else {
      n++;
      fs.writeFileSync(path.join(dir, `${name}__${n}.hl7`), value);
    }
  }
  i = j;
}
