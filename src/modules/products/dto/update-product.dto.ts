import { PartialType } from '@nestjs/swagger';
import { CreateProductDto } from './create-product.dto';

/**
 * Every field optional. skipNullProperties: false makes an explicit null go through the
 * validators, so `"name": null` is a 400 rather than a NOT NULL error from the database;
 * description, which is optional and nullable in CreateProductDto, may still be cleared with null.
 */
export class UpdateProductDto extends PartialType(CreateProductDto, {
  skipNullProperties: false,
}) {}
