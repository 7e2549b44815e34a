"""The console scorecard lines up in a terminal, Chinese in the labels or not, with one number format per unit."""

from __future__ import annotations

import pandas as pd

from model.targets import display_width, format_scorecard


def card() -> pd.DataFrame:
    rows = [
        ("New-economy (四新) share of GDP >= 30 %", "2022Q4", ">=", 0.3, None, 0.2723, False, -0.0277, "fraction"),
        ("Crude steel output <= 76.003 Mt", "2022Q4", "<=", 76.003, None, 61.234, True, 14.769, "Mt/yr"),
        ("Steel utilisation 75-90 %", "2022Q4", "between", 0.75, 0.9, 0.744, False, -0.006, "fraction"),
    ]
    columns = ["label", "date", "comparison", "target_value", "upper", "simulated", "met", "gap", "unit"]
    return pd.DataFrame(rows, columns=columns).astype({"upper": float})


def test_columns_line_up_with_wide_characters():
    lines = format_scorecard(card()).splitlines()
    due = [display_width(line[: line.index("2022Q4")]) for line in lines[2:5]]
    assert due == [60, 60, 60]  # the due column starts at the same terminal column on every row
    assert display_width("四新") == 4 and display_width("ab") == 2


def test_numbers_read_in_one_format_per_unit():
    text = format_scorecard(card())
    assert ">= 30.0 %" in text and "27.2 %" in text and "-2.8 %" in text  # shares in percent
    assert "<= 76.0" in text and "61.2" in text and "14.8" in text  # 3 significant digits
    assert "75.0 %–90.0 %" in text
    assert text.splitlines()[-1] == "1 of 3 targets met"
