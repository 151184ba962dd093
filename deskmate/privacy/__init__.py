"""Privacy: export everything held about a customer, and erase it.

Where personal data lives is listed once, in ``registry.SOURCES``: one small class per table
group with ``export`` and ``erase``. A new table that holds customer data adds one source there.

The vector index holds only staff-written, published articles today, so no customer text is
embedded; the knowledge-gap clustering will embed logged search queries, and those are erased
with the search log (a rebuilt index then holds none of them).
"""
