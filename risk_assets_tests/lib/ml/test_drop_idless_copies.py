"""Training leaves out the earlier copies of id-less loans landed again, on real LendingClub rows."""

from __future__ import annotations

import pandas as pd

from risk_assets.lib.ml.pd_lake import drop_idless_copies
from risk_assets.lib.ml.reference_data import lendingclub_frame
from risk_assets.lib.ml.training import ReservedKeys


def test_earlier_copies_leave_training_and_the_champion_split_follows_the_loan(data_dir):
    frame = lendingclub_frame(data_dir / "loans" / "lendingclub_2007_2011.csv").iloc[:300].reset_index(drop=True)
    early, later = frame.iloc[:100].copy(), frame.iloc[:100].copy()
    later["loan_key"] = [f"lendingclub:later:{i}" for i in range(100)]
    later.loc[later.index[90:], "default_flag"] = None  # ten later copies without an outcome yet
    both = pd.concat([early, frame.iloc[100:], later], ignore_index=True)
    copies = dict(zip(early["loan_key"], later["loan_key"]))
    reserved = ReservedKeys("v1", holdout=frozenset(early["loan_key"].iloc[:30]),
                            trained=frozenset(early["loan_key"].iloc[30:]) | frozenset(frame["loan_key"].iloc[100:250]))

    kept, moved, note = drop_idless_copies(both, copies, reserved)

    # the 90 labelled later copies stand for their loans; the 10 without an outcome leave the earlier ones in
    assert len(kept) == len(both) - 90
    assert set(early["loan_key"].iloc[90:]) <= set(kept["loan_key"])
    assert not set(early["loan_key"].iloc[:90]) & set(kept["loan_key"])
    # a later copy takes its earlier copy's side of the champion's split: held out (0-29) or trained on (30-89)
    assert moved.trained == reserved.trained | {f"lendingclub:later:{i}" for i in range(30, 90)}
    assert moved.holdout == reserved.holdout | {f"lendingclub:later:{i}" for i in range(30)}
    assert note.startswith("90 loans without a loan id left out") and note.endswith("champion v1's split")
    # no copies, or no champion
    assert drop_idless_copies(both, {}, reserved) == (both, reserved, None)
    kept_alone, none, note_alone = drop_idless_copies(both, copies, None)
    assert none is None and len(kept_alone) == len(kept) and note_alone.endswith("stands for the loan")
