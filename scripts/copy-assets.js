#!/usr/bin/env node
'use strict';
/*
 * Copies the editor assets beside the compiled runtime so Node-RED finds them the way it expects
 * (every dist/nodes/<type>.js with its <type>.html, locales/ and icons/ next to it):
 *
 *   nodes/*.html                   -> dist/nodes/*.html
 *   nodes/locales/<lang>/*.html    -> dist/nodes/locales/<lang>/*.html   (help)
 *   nodes/locales/<lang>/<type>.json + common.json
 *                                  -> dist/nodes/locales/<lang>/<type>.json (merged, node keys win)
 *   icons/*                        -> dist/nodes/icons/*
 *
 * common.json holds the runtime's shared statuses and errors. Node-RED loads one catalogue per node
 * set (named after the .js file), so common.json is merged into each catalogue instead of being
 * copied on its own. A type with an editor .html but no catalogue of its own gets common.json alone.
 *
 * Idempotent: the copied html, locales/ and icons/ are removed from dist/nodes first, so files
 * deleted from the sources do not linger. Compiled .js files are never touched.
 * Plain CommonJS, no dependencies.
 */
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const srcNodes = path.join(root, 'nodes');
const srcLocales = path.join(srcNodes, 'locales');
const srcIcons = path.join(root, 'icons');
const outNodes = path.join(root, 'dist', 'nodes');
const outLocales = path.join(outNodes, 'locales');
const outIcons = path.join(outNodes, 'icons');
const COMMON = 'common.json';

function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge: `over` wins on every leaf it defines; objects are merged key by key. */
function merge(base, over) {
    if (!isPlainObject(base) || !isPlainObject(over)) {
        return over === undefined ? base : over;
    }
    const result = Object.assign({}, base);
    for (const key of Object.keys(over)) {
        result[key] = key in base ? merge(base[key], over[key]) : over[key];
    }
    return result;
}

function readJson(file) {
    try {
        return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
        throw new Error(`copy-assets: cannot read ${path.relative(root, file)}: ${err.message}`);
    }
}

function listFiles(dir, filter) {
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs.readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isFile() && (!filter || filter(entry.name)))
        .map((entry) => entry.name)
        .sort();
}

function listDirs(dir) {
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs.readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
}

function copyFile(from, to) {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
}

function clean() {
    fs.rmSync(outLocales, { recursive: true, force: true });
    fs.rmSync(outIcons, { recursive: true, force: true });
    for (const name of listFiles(outNodes, (n) => n.endsWith('.html'))) {
        fs.rmSync(path.join(outNodes, name), { force: true });
    }
}

function copyEditorHtml() {
    const types = [];
    for (const name of listFiles(srcNodes, (n) => n.endsWith('.html'))) {
        copyFile(path.join(srcNodes, name), path.join(outNodes, name));
        types.push(name.slice(0, -'.html'.length));
    }
    return types;
}

function copyLocales(types) {
    for (const lang of listDirs(srcLocales)) {
        const from = path.join(srcLocales, lang);
        const to = path.join(outLocales, lang);
        fs.mkdirSync(to, { recursive: true });
        const commonFile = path.join(from, COMMON);
        const common = fs.existsSync(commonFile) ? readJson(commonFile) : undefined;
        const files = listFiles(from);
        const catalogues = new Set();
        for (const name of files) {
            if (name === COMMON) {
                continue;
            }
            if (name.endsWith('.json')) {
                const own = readJson(path.join(from, name));
                const merged = common === undefined ? own : merge(common, own);
                fs.writeFileSync(path.join(to, name), JSON.stringify(merged, null, 4) + '\n');
                catalogues.add(name.slice(0, -'.json'.length));
            } else {
                copyFile(path.join(from, name), path.join(to, name));
            }
        }
        if (common !== undefined) {
            for (const type of types) {
                if (!catalogues.has(type)) {
                    fs.writeFileSync(path.join(to, `${type}.json`), JSON.stringify(common, null, 4) + '\n');
                }
            }
        }
        // Sub-folders of a language (none today) are copied as they are.
        for (const dir of listDirs(from)) {
            fs.cpSync(path.join(from, dir), path.join(to, dir), { recursive: true });
        }
    }
}

function copyIcons() {
    if (fs.existsSync(srcIcons)) {
        fs.cpSync(srcIcons, outIcons, { recursive: true });
    }
}

function main() {
    fs.mkdirSync(outNodes, { recursive: true });
    clean();
    const types = copyEditorHtml();
    copyLocales(types);
    copyIcons();
}

try {
    main();
} catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
}
