"""NPO spending ledger (contract 3.9): one row per booking, negative amounts correct earlier ones."""

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.base import RecordModel, column


class SpendingModel(RecordModel):
    booking_date: Series[pa.DateTime] = column("Datum", "date")
    area: Series[str] = column("Wijk", "area")
    spending_point: Series[pd.Int64Dtype] = column("Bestedingspunt", "int", in_range={"min_value": 1, "max_value": 4})
    description: Series[str] = column("Omschrijving", nullable=True)
    amount: Series[float] = column("Bedrag", "amount")
