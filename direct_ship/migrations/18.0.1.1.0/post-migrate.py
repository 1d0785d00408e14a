def migrate(cr, version):
    """Parcels said *shipped* as soon as they were registered: those of orders the supplier
    has not marked shipped yet are only registered."""
    if not version:
        return
    cr.execute(
        """UPDATE direct_ship_parcel p
              SET state = 'registered', date_shipped = NULL
             FROM purchase_order po
            WHERE po.id = p.purchase_id AND p.state = 'shipped' AND po.direct_shipped_date IS NULL"""
    )
