// Small DOM helpers shared by the page's modules: element building, downloads, a status toast.
'use strict';
(function (ns) {
  // el('td', {class: 'num', title: 't'}, 'text', child, [more]) — null children are skipped.
  ns.el = function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    append(node, children);
    return node;
  };
  function append(node, children) {
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) append(node, c);
      else node.append(c instanceof Node ? c : String(c));
    }
  }

  ns.download = function download(name, mime, text) {
    const url = URL.createObjectURL(new Blob([text], { type: mime }));
    const a = ns.el('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  let toastTimer = 0;
  ns.toast = function toast(message) {
    const t = document.getElementById('toast');
    t.textContent = message;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.textContent = ''; }, 4000);
  };
})(window.Fdlab = window.Fdlab || {});
