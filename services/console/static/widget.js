// The one script tag a site adds to embed the chat:
//   <script src="https://chat.example.com/widget.js" data-color="#2d5be3" data-title="Chat with us"
//           data-position="right" data-prechat="true" async></script>
// It frames the widget page in a corner; the page reads its theme from the frame's address and
// checks every value itself, so a site can give only a colour, a title, a side and the pre-chat form.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src).origin;
  var theme = new URLSearchParams();
  ["color", "title", "position", "prechat"].forEach(function (name) {
    var value = script.getAttribute("data-" + name);
    if (value !== null) theme.set(name, value.slice(0, 200));
  });
  var left = script.getAttribute("data-position") === "left";
  var frame = document.createElement("iframe");
  frame.src = origin + "/widget?" + theme.toString();
  frame.title = script.getAttribute("data-title") || "Chat";
  frame.setAttribute("style", "position:fixed;bottom:16px;" + (left ? "left" : "right") +
    ":16px;width:380px;height:560px;max-width:calc(100vw - 32px);max-height:calc(100vh - 32px);" +
    "border:0;border-radius:8px;box-shadow:0 2px 12px rgba(0,0,0,.2);z-index:2147483000;background:#fff");
  (document.body || document.documentElement).appendChild(frame);
})();
