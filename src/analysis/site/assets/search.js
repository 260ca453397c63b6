// Pagefind's UI over the site's own index; result links are made relative to where the site is
// served (the portal's prefix), which this script finds from its own address.
(function () {
  var base = document.currentScript.src.replace(/assets\/search\.js.*$/, "");
  // Pagefind's Romanian strings write one word with cedillas (U+015E, U+0163): comma-below here
  var ro = { clear_search: "\u0218terge\u021Bi" };
  new PagefindUI({
    element: "#search", showSubResults: true, baseUrl: new URL(base).pathname,
    showImages: false, // a page's first picture (the guides') would be fetched from a wrong path
    translations: document.documentElement.lang === "ro" ? ro : {},
  });
})();
