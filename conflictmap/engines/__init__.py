"""Engines: each executes a :class:`conflictmap.plan.Plan` on events its own way.

An engine takes the events a reader gave (already cut down to what the plan can keep, where the
format allows) and returns the events the plan keeps, located, with a report of what it did.
Every engine applies the plan in the same order, cheapest and most selective first:

1. time and category (:meth:`~conflictmap.plan.Plan.attribute_mask`), on the columns alone;
2. geocoding of the events kept that have only a place name, so that they can be filtered by
   place too;
3. region, box, radius and polygons (:meth:`~conflictmap.plan.Plan.spatial_mask`);
4. admin-1 units and countries filled in from coordinates, for the events kept only.

:mod:`conflictmap.engines.pandas` runs it in memory on one GeoDataFrame;
:mod:`conflictmap.engines.dask` runs the same steps per file of a partitioned dataset.
"""

from conflictmap.engines.pandas import Execution, execute

__all__ = ["Execution", "execute"]
