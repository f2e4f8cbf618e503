"""Printed reports: the ward report for an imbizo, the war room's meeting pack and the monthly
area report, as HTML with a print style sheet or as PDF, in English or isiZulu.

``gather`` collects each report's figures in one place (from the same queries as the API's
views, under the same access checks), ``charts`` draws its charts as SVG, ``render`` turns
it into HTML (the workspace's Jinja2 templates and catalogs) and PDF (WeasyPrint), and
``router`` serves ``GET /v1/reports/{kind}/{level}/{code}``; ``sukuma report`` prints one.
"""
