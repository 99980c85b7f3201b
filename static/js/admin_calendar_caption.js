// The admin's date picker titles a month through the admin's script catalogue. Django's
// calendar (admin/js/calendar.js) joins the month's name, a space and the year ("十二月 2026"
// on a Chinese page), a format no catalogue can change; each caption it draws is written
// again from a format that can be translated, which in Chinese puts the year first
// ("2026年12月"). On a page without a date picker this does nothing.
"use strict";
{
  const calendar = window.CalendarNamespace;
  if (calendar && typeof window.interpolate === "function") {
    const drawMonth = calendar.draw;
    calendar.draw = function (month, year, divId, ...rest) {
      drawMonth.call(this, month, year, divId, ...rest);
      const caption = document.getElementById(divId)?.querySelector("caption");
      if (!caption) return;
      const number = parseInt(month, 10);
      caption.textContent = window.interpolate(
        window.gettext("%(month_name)s %(year)s"),
        { month_name: calendar.monthsOfYear[number - 1], month: number, year: parseInt(year, 10) },
        true,
      );
    };
  }
}
