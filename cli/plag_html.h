/* SPDX-License-Identifier: MIT
 * plag_html.h - the fixed parts of `gavel plag`'s HTML report: everything
 * before the embedded data (styles, markup, the data element's opening tag)
 * and after it (its closing tag and the script that renders the page). */
#ifndef GAVEL_CLI_PLAG_HTML_H
#define GAVEL_CLI_PLAG_HTML_H

extern const char plag_html_head[];
extern const char plag_html_tail[];

#endif
