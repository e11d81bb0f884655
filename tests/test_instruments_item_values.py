"""item_values: the item values a sum score adds up, oriented the same way (for internal consistency)."""

import numpy as np
import pandas as pd

from signalering.instruments import item_values, load_specs, score_records


def test_questionnaire_items_are_reverse_scored_and_add_up_to_the_subscale():
    spec = load_specs(["sdq-parent@1"])[0]
    rng = np.random.default_rng(3)
    cols = {f"sdq_{i:02d}": rng.integers(0, 3, 50).astype(float) for i in range(1, 26)}
    records = pd.DataFrame({"record_id": [f"r{i}" for i in range(50)], **cols})
    scales = item_values(spec, records)
    assert set(scales) == {"emotional", "conduct", "hyperactivity", "peer", "prosocial"}
    conduct = scales["conduct"]
    # item 7 (obeys) is reverse scored: answered 2 -> 0
    np.testing.assert_array_equal(conduct["sdq_07"].to_numpy(), 2 - records["sdq_07"].to_numpy())
    np.testing.assert_array_equal(conduct["sdq_05"].to_numpy(), records["sdq_05"].to_numpy())
    subs = score_records([spec], records).subscores
    np.testing.assert_array_equal(conduct.sum(axis=1).to_numpy(), subs["sdq-parent@1:conduct"].to_numpy())


def test_signal_list_items_are_abnormal_indicators():
    spec = load_specs(["signal-list@1"])[0]
    records = pd.DataFrame({"record_id": ["a", "b"], **{f"sig_{i}": [1, 0] for i in range(1, 7)}})
    (items,) = item_values(spec, records).values()
    assert items.sum(axis=1).tolist() == score_records([spec], records).scores["signal-list@1"].tolist()


def test_single_column_kinds_have_no_items():
    spec = load_specs(["risk-category@1"])[0]
    assert item_values(spec, pd.DataFrame({"record_id": ["a"], "risk_category": ["low"]})) == {}
