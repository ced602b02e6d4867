"""Reports: CBP seizure statistics, plan execution and operational figures with provenance.

:func:`build_report` writes a self-contained HTML page (or a PDF printed from it by headless
Chromium, :func:`write_pdf`), ``report.json`` with every :class:`Figure` shown and its
:class:`Provenance`, and the CBP rows as CSV. :func:`operational_figures` reads a store;
:func:`load_cbp` / :func:`cbp_tables` the CBP files; :func:`load_plan` / :func:`plan_progress`
the plan. Nothing is fetched from the network and the store is only read.
"""

from ._build import (
    USE_REPORT_COMMAND,
    ReportResult,
    build_report,
    report_command,
    report_period,
    store_period,
)
from ._cbp import Measure, TrendPoint, by_unit, northern_share, seizure_total, trend_by_fy
from ._cbp_load import (
    AMO_GLOB,
    CBP_GLOB,
    LB_TO_KG,
    AmoSeizures,
    CbpSeizures,
    Component,
    Region,
    load_amo,
    load_cbp,
)
from ._cbp_tables import (
    AMO_CAVEAT,
    CBP_CAVEAT,
    CSV_COLUMNS,
    CbpRow,
    CbpTable,
    CbpTables,
    cbp_rows,
    cbp_tables,
    read_cbp_csv,
    write_cbp_csv,
)
from ._figures import Figure, Provenance
from ._operational import OperationalFigures, ResponseTimes, iso_week, operational_figures
from ._pdf import CHROMIUM_ENV, PdfUnavailable, find_chromium, write_pdf
from ._plan import (
    Commitment,
    CommitmentKind,
    Deployment,
    Plan,
    PlanProgress,
    load_plan,
    plan_figures,
    plan_progress,
)
from ._render import (
    Block,
    InputFile,
    Plot,
    ReportDocument,
    Section,
    Table,
    format_value,
    render_html,
)

__all__ = [
    "AMO_CAVEAT",
    "AMO_GLOB",
    "CBP_CAVEAT",
    "CBP_GLOB",
    "CHROMIUM_ENV",
    "CSV_COLUMNS",
    "LB_TO_KG",
    "USE_REPORT_COMMAND",
    "AmoSeizures",
    "Block",
    "CbpRow",
    "CbpSeizures",
    "CbpTable",
    "CbpTables",
    "Commitment",
    "CommitmentKind",
    "Component",
    "Deployment",
    "Figure",
    "InputFile",
    "Measure",
    "OperationalFigures",
    "PdfUnavailable",
    "Plan",
    "PlanProgress",
    "Plot",
    "Provenance",
    "Region",
    "ReportDocument",
    "ReportResult",
    "ResponseTimes",
    "Section",
    "Table",
    "TrendPoint",
    "build_report",
    "by_unit",
    "cbp_rows",
    "cbp_tables",
    "find_chromium",
    "format_value",
    "iso_week",
    "load_amo",
    "load_cbp",
    "load_plan",
    "northern_share",
    "operational_figures",
    "plan_figures",
    "plan_progress",
    "read_cbp_csv",
    "render_html",
    "report_command",
    "report_period",
    "seizure_total",
    "store_period",
    "trend_by_fy",
    "write_cbp_csv",
    "write_pdf",
]
