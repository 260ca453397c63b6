// Pagefind's UI over the site's own index; result links are made relative to where the site is
// served (the portal's prefix), which this script finds from its own address.
(function () {
  var base = document.currentScript.src.replace(/assets\/search\.js.*$/, "");
  new PagefindUI({ element: "#search", showSubResults: true, baseUrl: new URL(base).pathname });
})();
