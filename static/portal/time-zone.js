// Tells the server the shopper's time zone (policies.zones): from the next page on,
// shopper pages and the claim's e-mails show times in it. A cookie, not a request: the
// page needs no round trip and works the same without JavaScript (the store's zone,
// named). No reload: a page already drawn keeps its times, which name their zone.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  // IANA names only ("Europe/Berlin", "America/Port-au-Prince", "Etc/GMT+5"); the
  // server checks the name against the zone database again and ignores anything else
  if (typeof zone !== "string" || zone.length > 64 || !/^[A-Za-z0-9_+\-\/]+$/.test(zone)) {
    return;
  }
  var pair = "shopper_tz=" + zone;
  if (document.cookie.split("; ").indexOf(pair) !== -1) {
    return;
  }
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = pair + "; path=/; max-age=31536000; SameSite=Lax" + secure;
})();
