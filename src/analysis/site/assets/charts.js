// Render every chart of the page with the vega bundle served from the site (never a CDN).
// `ast: true`: expressions are interpreted, not compiled, so the CSP needs no unsafe-eval.
document.querySelectorAll("div.vega").forEach(function (el) {
  var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
  vegaEmbed(el, spec, { actions: false, renderer: "svg", ast: true })
    .then(function () { el.dataset.rendered = "true"; })
    .catch(function (err) { el.dataset.rendered = "error"; el.textContent = String(err); });
});
