// Prints the HL7 v2 messages a JavaScript or TypeScript test file writes as
// string literals, for bench/hl7v2-unseen.sh: the file is read as text and
// tokenised here (never loaded or run). A message is a literal, or literals
// joined by "+", whose value starts with MSH|, FHS| or BHS| and holds a
// second segment after a CR or LF; templates with ${...} are left out, since
// their text is made at run time. Each message is written to DIR as
// NAME__N.hl7 (its JavaScript escapes decoded: '\r' is a CR).
//
//   node bench/js-hl7-literals.js FILE DIR NAME
'use strict';
const fs = require('fs');
const path = require('path');

const [file, dir, name] = process.argv.slice(2);
const src = fs.readFileSync(file, 'utf8');

// cook decodes a literal's escapes as JavaScript does.
function cook(body) {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') { out += c; continue; }
    const n = body[++i];
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

// Tokens: string literals (with their cooked value), "+", and anything else
// as a separator. Comments and regular expressions are skipped.
const tokens = [];
let prev = ''; // the last significant character, to tell a regex from division
for (let i = 0; i < src.length;) {
  const c = src[i];
  if (c === '/' && src[i + 1] === '/') { i = src.indexOf('\n', i); if (i < 0) break; continue; }
  if (c === '/' && src[i + 1] === '*') { i = src.indexOf('*/', i + 2); if (i < 0) break; i += 2; continue; }
  if (c === '/' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev))) {
    let j = i + 1, cls = false;
    for (; j < src.length && src[j] !== '\n'; j++) {
      if (src[j] === '\\') { j++; continue; }
      if (src[j] === '[') cls = true; else if (src[j] === ']') cls = false;
      else if (src[j] === '/' && !cls) break;
    }
    i = j + 1; prev = ')'; tokens.push({ other: true }); continue;
  }
  if (c === '"' || c === "'" || c === '`') {
    let j = i + 1, dynamic = false;
    for (; j < src.length && src[j] !== c; j++) {
      if (src[j] === '\\') j++;
      else if (c === '`' && src[j] === '$' && src[j + 1] === '{') dynamic = true;
    }
    tokens.push(dynamic ? { other: true } : { value: cook(src.slice(i + 1, j)) });
    i = j + 1; prev = ')'; continue;
  }
  if (/\s/.test(c)) { i++; continue; }
  if (c === '+') { tokens.push({ plus: true }); prev = '+'; i++; continue; }
  tokens.push({ other: true }); prev = c; i++;
}

let n = 0;
for (let i = 0; i < tokens.length; i++) {
  if (tokens[i].value === undefined) continue;
  let value = tokens[i].value;
  let j = i;
  while (tokens[j + 1] && tokens[j + 1].plus && tokens[j + 2] && tokens[j + 2].value !== undefined) {
    value += tokens[j + 2].value;
    j += 2;
  }
  // A literal followed by "+" and something that is not a literal is built
  // at run time: left out.
  const dynamic = tokens[j + 1] && tokens[j + 1].plus;
  if (!dynamic && (i === 0 || !tokens[i - 1].plus) && /^(MSH|FHS|BHS)\|/.test(value) && /[\r\n][A-Z0-9]{3}\|/.test(value)) {
    n++;
    fs.writeFileSync(path.join(dir, `${name}__${n}.hl7`), value);
  }
  i = j;
}
